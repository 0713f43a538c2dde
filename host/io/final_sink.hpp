// Where per-trajectory final state goes: written chunk by chunk (the CUDA backend
// streams 10^8+ trajectories through it) into the output file's /final group, and read
// back from there when a checkpoint saves the rows done so far.
#pragma once

#include <cstdint>
#include <vector>

namespace ngdsim {

class FinalSink {
 public:
  virtual ~FinalSink() = default;
  // Trajectories [first, first + count): positions [count][d], class, attractor id,
  // last-entry step.
  virtual void write(std::int64_t first, std::int64_t count, const double* position,
                     const std::int8_t* cls, const std::int32_t* attractor,
                     const std::int64_t* last_entry) = 0;
};

class FinalSource {
 public:
  virtual ~FinalSource() = default;
  // Trajectories [first, first + count), as written.
  virtual void read(std::int64_t first, std::int64_t count, double* position, std::int8_t* cls,
                    std::int32_t* attractor, std::int64_t* last_entry) const = 0;
};

// Rows that can be written and read back (the output file's /final group).
class FinalRows : public FinalSink, public FinalSource {};

// Rows held in memory, for trajectories [0, n) (the CPU path's), by reference.
class FinalArrays : public FinalRows {
 public:
  FinalArrays(int dim, std::vector<double>& position, std::vector<std::int8_t>& cls,
              std::vector<std::int32_t>& attractor, std::vector<std::int64_t>& last_entry)
      : d_(dim), position_(position), class_(cls), attractor_(attractor), last_(last_entry) {}
  void write(std::int64_t first, std::int64_t count, const double* position, const std::int8_t* cls,
             const std::int32_t* attractor, const std::int64_t* last_entry) override;
  void read(std::int64_t first, std::int64_t count, double* position, std::int8_t* cls,
            std::int32_t* attractor, std::int64_t* last_entry) const override;

 private:
  int d_;
  std::vector<double>& position_;
  std::vector<std::int8_t>& class_;
  std::vector<std::int32_t>& attractor_;
  std::vector<std::int64_t>& last_;
};

}  // namespace ngdsim
