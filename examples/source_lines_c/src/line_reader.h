/* Reads a file line by line, each line at most a given number of bytes: a longer line is
 * reported, never cut. Plain C11; the caller owns the struct, line_reader_close() frees what it
 * holds and may be called any number of times. */
#ifndef SOURCE_LINES_C_LINE_READER_H
#define SOURCE_LINES_C_LINE_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct line_reader {
    FILE* file;        /* NULL once closed */
    char* line;        /* the last line read, without its "\n" or "\r\n"; not NUL-terminated */
    size_t length;     /* of `line`, in bytes */
    size_t capacity;   /* of the buffer behind `line` */
    size_t max_bytes;  /* longest line accepted */
    uint64_t number;   /* of the last line read or found too long, counted from 1; lines before
                          the one that failed with NO_MEMORY or ERROR */
    int read_errno;    /* LINE_READ_ERROR: errno of the failed read */
} line_reader;

typedef enum line_read_result {
    LINE_READ_LINE = 0,     /* `line` and `length` hold line `number` */
    LINE_READ_END = 1,      /* end of file: no more lines */
    LINE_READ_TOO_LONG = 2, /* line `number` has more than `max_bytes` bytes; reading cannot go on */
    LINE_READ_NO_MEMORY = 3,
    LINE_READ_ERROR = 4     /* the read failed with `read_errno`; reading cannot go on */
} line_read_result;

/* Opens `path` for reading into a reader that holds nothing (zeroed, or closed); returns 0, or
 * the errno of the failed open (or ENOMEM). On failure the reader holds nothing again. */
int line_reader_open(line_reader* reader, const char* path, size_t max_bytes);

line_read_result line_reader_next(line_reader* reader);

void line_reader_close(line_reader* reader);

#endif /* SOURCE_LINES_C_LINE_READER_H */
