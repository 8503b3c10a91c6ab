// Prints FFTW wisdom for the phase vocoder's transforms (`FFTWisdom.stretch` in Sources/DSP/FFT/FFTWisdom.swift):
// out-of-place single-precision r2c and c2r plans of each size given, planned with FFTW_PATIENT on arrays from
// fftwf_alloc_*, the same problems `FFTPlanCache` plans. Run several times and keep the wisdom whose plans time
// fastest (`--time WISDOM_FILE SIZE` times a pair of transforms with the wisdom against FFTW_ESTIMATE).
//   cc -O2 scripts/fftw/stretch-wisdom.c -lfftw3f -o /tmp/stretch-wisdom && /tmp/stretch-wisdom 2048 4096
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// Best of 7 rounds, microseconds per forward + inverse pair.
static double timePair(fftwf_plan forward, fftwf_plan inverse, float *in, fftwf_complex *spectrum, float *out, int n) {
    for (int i = 0; i < n; i++) in[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    int rounds = 40000000 / n;
    double best = 1e9;
    for (int r = 0; r < 7; r++) {
        double start = seconds();
        for (int k = 0; k < rounds; k++) {
            fftwf_execute_dft_r2c(forward, in, spectrum);
            fftwf_execute_dft_c2r(inverse, spectrum, out);
        }
        double elapsed = seconds() - start;
        if (elapsed < best) best = elapsed;
    }
    return best / rounds * 1e6;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--time") == 0) {
        FILE *file = fopen(argv[2], "r");
        if (!file) return 1;
        static char wisdom[1 << 16];
        size_t length = fread(wisdom, 1, sizeof wisdom - 1, file);
        wisdom[length] = 0;
        fclose(file);
        int n = atoi(argv[3]);
        float *in = fftwf_alloc_real(n), *out = fftwf_alloc_real(n);
        fftwf_complex *spectrum = fftwf_alloc_complex(n / 2 + 1);
        fftwf_plan forward = fftwf_plan_dft_r2c_1d(n, in, spectrum, FFTW_ESTIMATE);
        fftwf_plan inverse = fftwf_plan_dft_c2r_1d(n, spectrum, out, FFTW_ESTIMATE);
        printf("%d points, FFTW_ESTIMATE: %.3f us\n", n, timePair(forward, inverse, in, spectrum, out, n));
        fftwf_forget_wisdom();
        if (!fftwf_import_wisdom_from_string(wisdom)) return 1;
        forward = fftwf_plan_dft_r2c_1d(n, in, spectrum, FFTW_PATIENT | FFTW_WISDOM_ONLY);
        inverse = fftwf_plan_dft_c2r_1d(n, spectrum, out, FFTW_PATIENT | FFTW_WISDOM_ONLY);
        if (!forward || !inverse) return 1;
        printf("%d points, wisdom: %.3f us\n", n, timePair(forward, inverse, in, spectrum, out, n));
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        int n = atoi(argv[a]);
        float *in = fftwf_alloc_real(n), *out = fftwf_alloc_real(n);
        fftwf_complex *spectrum = fftwf_alloc_complex(n / 2 + 1);
        fftwf_plan_dft_r2c_1d(n, in, spectrum, FFTW_PATIENT);
        fftwf_plan_dft_c2r_1d(n, spectrum, out, FFTW_PATIENT);
    }
    fputs(fftwf_export_wisdom_to_string(), stdout);
    return 0;
}
