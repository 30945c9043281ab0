#include "plugin_host/elf_check.hpp"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ingest::plugin_host {
namespace {

using Ehdr = ElfW(Ehdr);
using Phdr = ElfW(Phdr);
using Shdr = ElfW(Shdr);

class File {
   public:
    explicit File(const std::filesystem::path& path)
        // O_NONBLOCK: a FIFO named *.so must not block the scan; it is refused below as not regular.
        : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) {}
    ~File() {
        if (fd_ >= 0) ::close(fd_);
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    int fd() const { return fd_; }

    // Reads exactly `size` bytes at `offset`; false on a short read or an error.
    bool read(void* out, size_t size, uint64_t offset) const {
        auto* bytes = static_cast<char*>(out);
        while (size > 0) {
            ssize_t n = ::pread(fd_, bytes, size, static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            bytes += n;
            size -= static_cast<size_t>(n);
            offset += static_cast<uint64_t>(n);
        }
        return true;
    }

   private:
    int fd_;
};

// [offset, offset + length) lies inside a file of `size` bytes (without overflowing).
bool inside(uint64_t offset, uint64_t length, uint64_t size) {
    return offset <= size && length <= size - offset;
}

std::string range(uint64_t offset, uint64_t length) {
    return "bytes " + std::to_string(offset) + ".." + std::to_string(offset + length);
}

const char* machine_name(unsigned machine) {
    switch (machine) {
        case EM_386: return "x86 (i386)";
        case EM_X86_64: return "x86-64";
        case EM_ARM: return "ARM";
        case EM_AARCH64: return "AArch64";
        case EM_PPC64: return "PowerPC 64";
        case EM_S390: return "S/390";
        case EM_RISCV: return "RISC-V";
        case EM_MIPS: return "MIPS";
        default: return nullptr;
    }
}

std::string describe_machine(unsigned machine) {
    const char* name = machine_name(machine);
    return name ? name : "machine " + std::to_string(machine);
}

const char* type_name(unsigned type) {
    switch (type) {
        case ET_REL: return "a relocatable object (.o)";
        case ET_EXEC: return "an executable";
        case ET_CORE: return "a core dump";
        default: return "an unknown ELF type";
    }
}

// The ELF header of this process's own executable: what a loadable library must match.
const Ehdr* own_header() {
    static const auto header = [] {
        std::optional<Ehdr> result;
        File self("/proc/self/exe");
        Ehdr ehdr;
        if (self.fd() >= 0 && self.read(&ehdr, sizeof ehdr, 0) && std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) == 0)
            result = ehdr;
        return result;
    }();
    return header ? &*header : nullptr;
}

const char* segment_name(uint32_t type) {
    switch (type) {
        case PT_LOAD: return "LOAD";
        case PT_DYNAMIC: return "DYNAMIC";
        case PT_INTERP: return "INTERP";
        case PT_NOTE: return "NOTE";
        case PT_TLS: return "TLS";
        case PT_PHDR: return "PHDR";
        case PT_GNU_EH_FRAME: return "GNU_EH_FRAME";
        case PT_GNU_RELRO: return "GNU_RELRO";
        default: return "other";
    }
}

std::optional<std::string> check_program_headers(const File& file, const Ehdr& ehdr, uint64_t size) {
    if (ehdr.e_phnum == 0 || ehdr.e_phoff == 0) return "it has no program headers: nothing could be loaded";
    if (ehdr.e_phentsize != sizeof(Phdr))
        return "corrupt: program header entries of " + std::to_string(ehdr.e_phentsize) + " bytes, expected " +
               std::to_string(sizeof(Phdr));
    const uint64_t table_size = uint64_t{ehdr.e_phnum} * sizeof(Phdr);
    if (!inside(ehdr.e_phoff, table_size, size))
        return "truncated or corrupt: its program headers (" + range(ehdr.e_phoff, table_size) +
               ") lie beyond its end (" + std::to_string(size) + " bytes)";
    std::vector<Phdr> headers(ehdr.e_phnum);
    if (!file.read(headers.data(), table_size, ehdr.e_phoff)) return "its program headers cannot be read";
    bool loadable = false, dynamic = false;
    for (size_t i = 0; i < headers.size(); ++i) {
        const Phdr& segment = headers[i];
        if (!inside(segment.p_offset, segment.p_filesz, size))
            return "truncated or corrupt: segment " + std::to_string(i) + " (" + segment_name(segment.p_type) +
                   ", " + range(segment.p_offset, segment.p_filesz) + ") lies beyond its end (" +
                   std::to_string(size) + " bytes)";
        if (segment.p_type == PT_LOAD) {
            loadable = true;
            if (segment.p_memsz < segment.p_filesz)
                return "corrupt: segment " + std::to_string(i) + " (LOAD) is smaller in memory than in the file";
        }
        if (segment.p_type == PT_DYNAMIC) dynamic = true;
    }
    if (!loadable) return "it has no loadable segment";
    if (!dynamic) return "it has no dynamic section: not a shared library";
    return std::nullopt;
}

std::optional<std::string> check_section_headers(const File& file, const Ehdr& ehdr, uint64_t size) {
    if (ehdr.e_shoff == 0) return std::nullopt;  // stripped of section headers: the loader needs none
    if (ehdr.e_shentsize != sizeof(Shdr))
        return "corrupt: section header entries of " + std::to_string(ehdr.e_shentsize) + " bytes, expected " +
               std::to_string(sizeof(Shdr));
    if (!inside(ehdr.e_shoff, sizeof(Shdr), size))
        return "truncated or corrupt: its section headers (from byte " + std::to_string(ehdr.e_shoff) +
               ") lie beyond its end (" + std::to_string(size) + " bytes)";
    uint64_t count = ehdr.e_shnum;
    if (count == 0) {  // more than SHN_LORESERVE sections: the count is in section 0's sh_size
        Shdr first;
        if (!file.read(&first, sizeof first, ehdr.e_shoff)) return "its section headers cannot be read";
        count = first.sh_size;
    }
    if (count > size / sizeof(Shdr))
        return "truncated or corrupt: it claims " + std::to_string(count) + " sections, more than its " +
               std::to_string(size) + " bytes can hold";
    const uint64_t table_size = count * sizeof(Shdr);
    if (!inside(ehdr.e_shoff, table_size, size))
        return "truncated or corrupt: its section headers (" + range(ehdr.e_shoff, table_size) +
               ") lie beyond its end (" + std::to_string(size) + " bytes)";
    std::vector<Shdr> sections(count);
    if (!file.read(sections.data(), table_size, ehdr.e_shoff)) return "its section headers cannot be read";
    for (size_t i = 0; i < sections.size(); ++i) {
        const Shdr& section = sections[i];
        if (section.sh_type == SHT_NOBITS || section.sh_type == SHT_NULL) continue;
        if (!inside(section.sh_offset, section.sh_size, size))
            return "truncated or corrupt: section " + std::to_string(i) + " (" +
                   range(section.sh_offset, section.sh_size) + ") lies beyond its end (" + std::to_string(size) +
                   " bytes)";
    }
    if (ehdr.e_shstrndx != SHN_UNDEF && ehdr.e_shstrndx != SHN_XINDEX && ehdr.e_shstrndx >= count)
        return "corrupt: its section name table index " + std::to_string(ehdr.e_shstrndx) + " is out of range";
    return std::nullopt;
}

}  // namespace

std::optional<std::string> check_elf_structure(const std::filesystem::path& path) {
    File file(path);
    if (file.fd() < 0) return std::string("cannot be opened: ") + std::strerror(errno);
    struct stat st {};
    if (::fstat(file.fd(), &st) != 0) return std::string("cannot be examined: ") + std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size == 0) return "empty file (0 bytes): not a shared object";

    unsigned char ident[EI_NIDENT] = {};
    if (!file.read(ident, size < EI_NIDENT ? size : EI_NIDENT, 0) || size < SELFMAG ||
        std::memcmp(ident, ELFMAG, SELFMAG) != 0)
        return "not an ELF file (no ELF magic number at its start): not a shared object";
    if (size < sizeof(Ehdr))
        return "truncated: " + std::to_string(size) + " bytes, shorter than an ELF header (" +
               std::to_string(sizeof(Ehdr)) + " bytes)";
    Ehdr ehdr;
    if (!file.read(&ehdr, sizeof ehdr, 0)) return "its ELF header cannot be read";

    const Ehdr* own = own_header();
    const unsigned char own_class = own ? own->e_ident[EI_CLASS] : (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32);
    if (ehdr.e_ident[EI_CLASS] != own_class)
        return std::string("built for ") + (ehdr.e_ident[EI_CLASS] == ELFCLASS32 ? "32" : "64") +
               "-bit code; this runner is " + (own_class == ELFCLASS32 ? "32" : "64") + "-bit";
    if (own && ehdr.e_ident[EI_DATA] != own->e_ident[EI_DATA])
        return "built for the other byte order than this runner's";
    if (ehdr.e_ident[EI_VERSION] != EV_CURRENT || ehdr.e_version != EV_CURRENT) return "unknown ELF version";
    if (ehdr.e_type != ET_DYN) return std::string("not a shared object: it is ") + type_name(ehdr.e_type);
    if (own && ehdr.e_machine != own->e_machine)
        return "built for " + describe_machine(ehdr.e_machine) + "; this runner runs on " +
               describe_machine(own->e_machine);
    if (ehdr.e_ehsize < sizeof(Ehdr)) return "corrupt: its ELF header claims " + std::to_string(ehdr.e_ehsize) + " bytes";

    if (auto problem = check_program_headers(file, ehdr, size)) return problem;
    return check_section_headers(file, ehdr, size);
}

}  // namespace ingest::plugin_host
