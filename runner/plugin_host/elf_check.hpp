// A structural check of a shared object read as plain bytes, before anything maps or runs it.
//
// dlopen trusts the file: program headers pointing past its end make the loader (or the first
// access to a mapped page) die with SIGBUS or SIGSEGV, in the process that called it. This check
// reads the file with pread() only and refuses, with the reason, any file whose ELF headers,
// program headers or section headers do not lie inside it, or that was built for another class,
// byte order or machine than this runner. It cannot prove that the code is harmless: that is
// what loading it in a child process first is for (plugin_probe.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace ingest::plugin_host {

// Why `file` cannot be a shared object for this process; nullopt when its structure is sound.
std::optional<std::string> check_elf_structure(const std::filesystem::path& file);

}  // namespace ingest::plugin_host
