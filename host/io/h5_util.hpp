// Thin RAII and typed helpers over the HDF5 C API. Every failing call throws with
// the name of the object it was writing.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ngdsim::h5 {

class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what);
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  // Closes now and throws if that fails (for a file: its final flush), where the
  // destructor could only ignore it.
  void close(const std::string& what);
  hid_t id() const { return id_; }
  operator hid_t() const { return id_; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

void check(herr_t status, const std::string& what);

Handle create_file(const std::string& path);
// A file in memory only (never on disk), and its bytes: what MPI ranks send each other.
Handle create_memory_file(const std::string& name);
std::vector<char> file_image(hid_t file);
// Opens (a copy of) such bytes, read-only.
Handle open_image(const std::vector<char>& image, const std::string& name);
Handle open_file(const std::string& path);
Handle group(hid_t parent, const std::string& path);  // creates missing intermediate groups
Handle open_group(hid_t parent, const std::string& path);

// Small datasets written whole; dims gives the shape.
void write(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
           const double* data, const std::string& description, const std::string& unit = "");
void write(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
           const std::int64_t* data, const std::string& description, const std::string& unit = "");
void write(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
           const std::uint64_t* data, const std::string& description, const std::string& unit = "");
void write(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
           const std::int32_t* data, const std::string& description, const std::string& unit = "");
void write(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
           const std::int8_t* data, const std::string& description, const std::string& unit = "");
// A chunked, deflated dataset of the given shape to be filled by write_rows().
Handle create(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, hid_t type,
              const std::string& description, const std::string& unit = "");
// Writes rows [first, first + count) of a dataset whose first dimension is rows.
void write_rows(hid_t dataset, hsize_t first, hsize_t count, hid_t type, const void* data);
// Reads rows [first, first + count) back.
void read_rows(hid_t dataset, hsize_t first, hsize_t count, hid_t type, void* data);
void write_string(hid_t parent, const std::string& name, const std::string& text,
                  const std::string& description);

void attr(hid_t obj, const std::string& name, const std::string& value);
void attr(hid_t obj, const std::string& name, double value);
void attr(hid_t obj, const std::string& name, std::int64_t value);
void attr(hid_t obj, const std::string& name, std::uint64_t value);
void attr(hid_t obj, const std::string& name, const std::vector<double>& value);
void attr(hid_t obj, const std::string& name, const std::vector<std::int32_t>& value);

std::string read_string(hid_t parent, const std::string& name);
std::string read_attr_string(hid_t obj, const std::string& name);
std::int64_t read_attr_int64(hid_t obj, const std::string& name);
// A numeric attribute (scalar or array) as doubles.
std::vector<double> read_attr_doubles(hid_t obj, const std::string& name);
// The shape of dataset `name`.
std::vector<hsize_t> dims(hid_t parent, const std::string& name);
// A floating-point dataset of any shape, flattened.
std::vector<double> read_doubles(hid_t parent, const std::string& name);
// The whole dataset `name` as `count` values of memory type `type` into `out`; a dataset
// of another size is an error.
void read_exact(hid_t parent, const std::string& name, hid_t type, void* out, std::size_t count);
// Every attribute of an object as "name = value" lines (for `ngdsim info`).
std::vector<std::string> describe_attributes(hid_t obj);

}  // namespace ngdsim::h5
