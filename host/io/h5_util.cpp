#include "io/h5_util.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace ngdsim::h5 {

Handle::Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
  if (id < 0) throw std::runtime_error("HDF5: cannot open or create " + what);
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0) close_(id_);
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0) close_(id_);
}

namespace {
// The innermost description on HDF5's error stack (where the failure was detected, such
// as the operating system's "No space left on device"), or "" when it is empty.
std::string error_detail() {
  std::string detail;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &detail);
  return detail.empty() ? "" : " (" + detail + ")";
}
}  // namespace

void Handle::close(const std::string& what) {
  const hid_t id = id_;
  id_ = -1;
  if (id >= 0 && close_(id) < 0)
    throw std::runtime_error("HDF5: failed to write " + what + error_detail());
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: failed to write " + what + error_detail());
}

Handle create_file(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported by check() instead
  return Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                "file " + path);
}

Handle create_memory_file(const std::string& name) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access list");
  check(H5Pset_fapl_core(fapl, 1 << 20, 0), "in-memory file " + name);
  return Handle(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose,
                "in-memory file " + name);
}

std::vector<char> file_image(hid_t file) {
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush an in-memory file");
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) throw std::runtime_error("cannot take the image of an in-memory file");
  std::vector<char> image(static_cast<std::size_t>(size));
  if (H5Fget_file_image(file, image.data(), image.size()) != size)
    throw std::runtime_error("cannot take the image of an in-memory file");
  return image;
}

Handle open_image(const std::vector<char>& image, const std::string& name) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access list");
  check(H5Pset_fapl_core(fapl, 1 << 20, 0), "file image " + name);
  // HDF5 copies the image (no flags): the caller's buffer stays its own.
  check(H5Pset_file_image(fapl, const_cast<char*>(image.data()), image.size()),
        "file image " + name);
  return Handle(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl), H5Fclose, "file image " + name);
}

Handle open_file(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "file " + path);
}

Handle group(hid_t parent, const std::string& path) {
  if (H5Lexists(parent, path.c_str(), H5P_DEFAULT) > 0) return open_group(parent, path);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "property list");
  check(H5Pset_create_intermediate_group(lcpl, 1), "group " + path);
  return Handle(H5Gcreate2(parent, path.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                "group " + path);
}

Handle open_group(hid_t parent, const std::string& path) {
  return Handle(H5Gopen2(parent, path.c_str(), H5P_DEFAULT), H5Gclose, "group " + path);
}

namespace {

void write_any(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, hid_t type,
               const void* data, const std::string& description, const std::string& unit) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "dataspace of " + name);
  hsize_t total = 1;
  for (auto d : dims) total *= d;
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "property list");
  check(H5Pset_create_intermediate_group(lcpl, 1), name);
  Handle ds(H5Dcreate2(parent, name.c_str(), type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
            "dataset " + name);
  if (total > 0) check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
  attr(ds, "description", description);
  if (!unit.empty()) attr(ds, "unit", unit);
}

void write_attr(hid_t obj, const std::string& name, hid_t type, hsize_t n, const void* data,
                bool scalar) {
  if (H5Aexists(obj, name.c_str()) > 0) check(H5Adelete(obj, name.c_str()), "attribute " + name);
  Handle space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose,
               "dataspace of attribute " + name);
  Handle a(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
           "attribute " + name);
  check(H5Awrite(a, type, data), "attribute " + name);
}

Handle utf8_string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(t, H5T_VARIABLE), "string type");
  check(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
  return t;
}

}  // namespace

#define NGDSIM_H5_WRITE(CTYPE, H5TYPE)                                                     \
  void write(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,      \
             const CTYPE* data, const std::string& description, const std::string& unit) { \
    write_any(parent, name, dims, H5TYPE, data, description, unit);                        \
  }
NGDSIM_H5_WRITE(double, H5T_NATIVE_DOUBLE)
NGDSIM_H5_WRITE(std::int64_t, H5T_NATIVE_INT64)
NGDSIM_H5_WRITE(std::uint64_t, H5T_NATIVE_UINT64)
NGDSIM_H5_WRITE(std::int32_t, H5T_NATIVE_INT32)
NGDSIM_H5_WRITE(std::int8_t, H5T_NATIVE_INT8)
#undef NGDSIM_H5_WRITE

Handle create(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, hid_t type,
              const std::string& description, const std::string& unit) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "dataspace of " + name);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "property list");
  std::vector<hsize_t> chunk(dims);
  chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], 65536));
  check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), name);
  check(H5Pset_deflate(dcpl, 4), name);
  Handle ds(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
            "dataset " + name);
  attr(ds, "description", description);
  if (!unit.empty()) attr(ds, "unit", unit);
  return ds;
}

namespace {
// The file and memory dataspaces of rows [first, first + count).
std::pair<Handle, Handle> row_spaces(hid_t dataset, hsize_t first, hsize_t count) {
  Handle file_space(H5Dget_space(dataset), H5Sclose, "dataspace");
  const int rank = H5Sget_simple_extent_ndims(file_space);
  std::vector<hsize_t> dims(rank), start(rank, 0);
  H5Sget_simple_extent_dims(file_space, dims.data(), nullptr);
  start[0] = first;
  dims[0] = count;
  check(
      H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, dims.data(), nullptr),
      "hyperslab");
  Handle mem(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose, "memory dataspace");
  return {std::move(file_space), std::move(mem)};
}
}  // namespace

void write_rows(hid_t dataset, hsize_t first, hsize_t count, hid_t type, const void* data) {
  if (count == 0) return;
  const auto [file_space, mem] = row_spaces(dataset, first, count);
  check(H5Dwrite(dataset, type, mem, file_space, H5P_DEFAULT, data), "rows of a dataset");
}

void read_rows(hid_t dataset, hsize_t first, hsize_t count, hid_t type, void* data) {
  if (count == 0) return;
  const auto [file_space, mem] = row_spaces(dataset, first, count);
  check(H5Dread(dataset, type, mem, file_space, H5P_DEFAULT, data), "rows of a dataset");
}

void write_string(hid_t parent, const std::string& name, const std::string& text,
                  const std::string& description) {
  Handle t = utf8_string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "dataspace of " + name);
  Handle ds(H5Dcreate2(parent, name.c_str(), t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            H5Dclose, "dataset " + name);
  const char* p = text.c_str();
  check(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), name);
  attr(ds, "description", description);
}

void attr(hid_t obj, const std::string& name, const std::string& value) {
  Handle t = utf8_string_type();
  const char* p = value.c_str();
  write_attr(obj, name, t, 1, &p, true);
}
void attr(hid_t obj, const std::string& name, double value) {
  write_attr(obj, name, H5T_NATIVE_DOUBLE, 1, &value, true);
}
void attr(hid_t obj, const std::string& name, std::int64_t value) {
  write_attr(obj, name, H5T_NATIVE_INT64, 1, &value, true);
}
void attr(hid_t obj, const std::string& name, std::uint64_t value) {
  write_attr(obj, name, H5T_NATIVE_UINT64, 1, &value, true);
}
void attr(hid_t obj, const std::string& name, const std::vector<double>& value) {
  write_attr(obj, name, H5T_NATIVE_DOUBLE, value.size(), value.data(), false);
}
void attr(hid_t obj, const std::string& name, const std::vector<std::int32_t>& value) {
  write_attr(obj, name, H5T_NATIVE_INT32, value.size(), value.data(), false);
}

std::string read_string(hid_t parent, const std::string& name) {
  Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "dataset " + name);
  Handle t = utf8_string_type();
  char* p = nullptr;
  check(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), name);
  std::string s = p ? p : "";
  H5free_memory(p);
  return s;
}

std::string read_attr_string(hid_t obj, const std::string& name) {
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
  Handle type(H5Aget_type(a), H5Tclose, "attribute type");
  if (H5Tget_class(type) != H5T_STRING)
    throw std::runtime_error("attribute " + name + " is not a string");
  Handle t = utf8_string_type();
  char* p = nullptr;
  check(H5Aread(a, t, &p), "attribute " + name);
  std::string s = p ? p : "";
  H5free_memory(p);
  return s;
}

std::vector<double> read_doubles(hid_t parent, const std::string& name) {
  Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "dataset " + name);
  Handle space(H5Dget_space(ds), H5Sclose, "dataspace of " + name);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) throw std::runtime_error("dataset " + name + ": no size");
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0) check(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
  return v;
}

std::int64_t read_attr_int64(hid_t obj, const std::string& name) {
  std::int64_t v = 0;
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
  check(H5Aread(a, H5T_NATIVE_INT64, &v), name);
  return v;
}

std::vector<double> read_attr_doubles(hid_t obj, const std::string& name) {
  Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
  Handle space(H5Aget_space(a), H5Sclose, "dataspace of attribute " + name);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) throw std::runtime_error("cannot read the size of attribute " + name);
  std::vector<double> v(static_cast<std::size_t>(n));
  check(H5Aread(a, H5T_NATIVE_DOUBLE, v.data()), name);
  return v;
}

std::vector<hsize_t> dims(hid_t parent, const std::string& name) {
  Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "dataset " + name);
  Handle space(H5Dget_space(ds), H5Sclose, "dataspace of " + name);
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) throw std::runtime_error("cannot read the shape of " + name);
  std::vector<hsize_t> d(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space, d.data(), nullptr), "shape of " + name);
  return d;
}

void read_exact(hid_t parent, const std::string& name, hid_t type, void* out, std::size_t count) {
  Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "dataset " + name);
  Handle space(H5Dget_space(ds), H5Sclose, "dataspace of " + name);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0 || static_cast<std::size_t>(n) != count)
    throw std::runtime_error("dataset " + name + ": " + std::to_string(n) + " values, expected " +
                             std::to_string(count));
  if (count > 0) check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), name);
}

std::vector<std::string> describe_attributes(hid_t obj) {
  std::vector<std::string> lines;
  std::vector<std::string> names;
  hsize_t idx = 0;
  check(H5Aiterate2(
            obj, H5_INDEX_NAME, H5_ITER_INC, &idx,
            [](hid_t, const char* n, const H5A_info_t*, void* out) -> herr_t {
              static_cast<std::vector<std::string>*>(out)->emplace_back(n);
              return 0;
            },
            &names),
        "attribute list");
  for (const auto& name : names) {
    Handle a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
    Handle type(H5Aget_type(a), H5Tclose, "attribute type");
    Handle space(H5Aget_space(a), H5Sclose, "attribute space");
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    std::ostringstream o;
    o << name << " = ";
    if (H5Tget_class(type) == H5T_STRING) {
      o << read_attr_string(obj, name);
    } else if (H5Tget_class(type) == H5T_INTEGER) {
      // Integers whole (a seed is 20260208, not 2.02602e+07), signed or not.
      const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
      std::vector<std::int64_t> v(n);
      std::vector<std::uint64_t> u(n);
      check(is_signed ? H5Aread(a, H5T_NATIVE_INT64, v.data())
                      : H5Aread(a, H5T_NATIVE_UINT64, u.data()),
            name);
      if (n != 1) o << "[";
      for (std::size_t k = 0; k < n; ++k)
        o << (k ? ", " : "") << (is_signed ? std::to_string(v[k]) : std::to_string(u[k]));
      if (n != 1) o << "]";
    } else {
      std::vector<double> v(n);
      check(H5Aread(a, H5T_NATIVE_DOUBLE, v.data()), name);
      o.precision(6);
      if (n != 1) o << "[";
      for (std::size_t k = 0; k < n; ++k) o << (k ? ", " : "") << v[k];
      if (n != 1) o << "]";
    }
    lines.push_back(o.str());
  }
  return lines;
}

}  // namespace ngdsim::h5
