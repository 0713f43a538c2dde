// The OpenMP loop of one wave for one (landscape, optimizer) pair. Included only by the
// cpu_wave_*.cpp translation units, which instantiate it. Counts are summed per thread
// and then across threads (integers: exact); moments go through the fixed tree.
#pragma once

#include <omp.h>

#include "cpu/cpu_tile.hpp"
#include "cpu/cpu_wave.hpp"
#include "cpu/model_tile.hpp"
#include "study/dispatch.hpp"
#include "study/interrupt.hpp"

namespace ngdsim {

// The tile that runs a (landscape, optimizer) pair: CpuTile, or the model tile of bnreg
// and msense.
template <class L, class O, class T>
struct TileOf {
  using type = CpuTile<L, O, T>;
};
template <class O, class T, int D>
struct TileOf<BnReg<T, D>, O, T> {
  using type = ModelTile<BnRegModel<T, D>, T>;
};
template <class O, class T, int D>
struct TileOf<MSense<T, D>, O, T> {
  using type = ModelTile<MSenseModel<T, D>, T>;
};

template <class T, class L, class O>
void run_wave(const CpuWave& w, const L& land, O opt) {
  const Config& c = w.c;
  const int R = w.plan.records(), E = static_cast<int>(c.eps.size()), A = w.plan.attractors;
#pragma omp parallel num_threads(w.threads)
  {
    Statistics counts;
    counts.allocate(R, E, A, 0, c.dim, w.plan.Q(), w.plan.C(), w.plan.final_count_size);
    typename TileOf<L, O, T>::type tile(land, opt, c, w.plan);
    // An OpenMP loop cannot break: the tiles past a stop or the save time are skipped,
    // left for the next wave.
#pragma omp for schedule(dynamic, 1)
    for (std::size_t t = 0; t < w.tiles.size(); ++t) {
      if (w.done[t] || stop_requested() ||
          (w.timed && std::chrono::steady_clock::now() >= w.deadline))
        continue;
      tile.run(w.first(t), static_cast<int>(w.size(t)), counts, w.tree, w.total, w.progress);
      w.done[t] = 1;
    }
#pragma omp critical(ngdsim_counts)
    w.total.add_counts(counts);
  }
}

// The callable the dispatchers hand each (landscape, optimizer) pair to.
template <class T>
struct WaveRunner {
  const CpuWave& w;
  template <class L, class O>
  void operator()(const L& land, O opt) const {
    run_wave<T>(w, land, opt);
  }
};

}  // namespace ngdsim
