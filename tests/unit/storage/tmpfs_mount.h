#pragma once
// A size-limited tmpfs the test mounts itself (needs root, as CI and the dev machines run): real
// ENOSPC instead of a fault-injection seam. A failed mount fails the test; it never skips.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace samsa::storage::test {

class TmpfsMount {
 public:
  explicit TmpfsMount(size_t bytes) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "samsa-tmpfs-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
    std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, opts.c_str()) != 0)
      error_ = std::string("mount -t tmpfs -o ") + opts + " " + path_.string() + ": " +
               std::strerror(errno) + " (these tests need root)";
    else
      mounted_ = true;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace samsa::storage::test
