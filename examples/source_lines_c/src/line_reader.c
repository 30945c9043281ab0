#include "line_reader.h"

#include <errno.h>
#include <stdlib.h>

/* The buffer starts small and doubles as long lines need it, up to max_bytes + 1: one byte more
 * than a line may hold, for the '\r' of a "\r\n" line end. So memory follows the longest line
 * actually read, and a line beyond the limit never allocates more than that. */
enum { initial_capacity = 256 };

static size_t buffer_limit(const line_reader* reader) { return reader->max_bytes + 1; }

int line_reader_open(line_reader* reader, const char* path, size_t max_bytes) {
    *reader = (line_reader){.max_bytes = max_bytes};
    reader->capacity = initial_capacity < buffer_limit(reader) ? initial_capacity : buffer_limit(reader);
    /* Allocated before any line is read: an empty line is a line of length 0, never a NULL one. */
    reader->line = malloc(reader->capacity);
    if (!reader->line) return ENOMEM;
    reader->file = fopen(path, "rb");
    if (!reader->file) {
        const int open_errno = errno;
        line_reader_close(reader);
        return open_errno;
    }
    return 0;
}

static int grow(line_reader* reader) {
    size_t capacity = reader->capacity * 2;
    if (capacity > buffer_limit(reader)) capacity = buffer_limit(reader);
    char* line = realloc(reader->line, capacity);
    if (!line) return 0;
    reader->line = line;
    reader->capacity = capacity;
    return 1;
}

line_read_result line_reader_next(line_reader* reader) {
    reader->length = 0;
    int c = getc(reader->file);
    if (c == EOF) {
        if (!ferror(reader->file)) return LINE_READ_END;
        reader->read_errno = errno;
        return LINE_READ_ERROR;
    }
    for (; c != EOF && c != '\n'; c = getc(reader->file)) {
        /* Holding max_bytes + 1 bytes and one more to come: too long even if the last is a '\r'. */
        if (reader->length == buffer_limit(reader)) {
            ++reader->number;
            return LINE_READ_TOO_LONG;
        }
        if (reader->length == reader->capacity && !grow(reader)) return LINE_READ_NO_MEMORY;
        reader->line[reader->length++] = (char)c;
    }
    if (c == EOF && ferror(reader->file)) {
        reader->read_errno = errno;
        return LINE_READ_ERROR;
    }
    ++reader->number;
    if (reader->length > 0 && reader->line[reader->length - 1] == '\r') --reader->length;
    return reader->length > reader->max_bytes ? LINE_READ_TOO_LONG : LINE_READ_LINE;
}

void line_reader_close(line_reader* reader) {
    if (reader->file) fclose(reader->file);
    free(reader->line);
    reader->file = NULL;
    reader->line = NULL;
    reader->length = reader->capacity = 0;
}
