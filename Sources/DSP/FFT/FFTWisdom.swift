// FFTW wisdom shipped with the engine: plans chosen by measuring (FFTW_PATIENT) on an x86-64 machine with AVX, for
// the phase vocoder's transforms (2048 points at 44.1/48 kHz, 4096 at 88.2/96 kHz), generated and timed with
// `scripts/fftw/stretch-wisdom.c`. With FFTW 3.3.10 these plans took 34 % (2048) and 22 % (4096) less time per
// forward + inverse pair than FFTW_ESTIMATE's (2.04 against 3.24 us, 4.90 against 6.31 us); the stretcher spends
// most of its time in them. Plans come from this wisdom only (FFTW_WISDOM_ONLY), so they are the same in every
// process: renders stay reproducible. Where the wisdom does not apply (another FFTW, a processor without AVX, a size
// not listed), `FFTPlanCache` falls back to FFTW_ESTIMATE. Data, not code: FFTW's own text format.

/// Shipped FFTW wisdom (see the note above).
enum FFTWisdom {
    /// Out-of-place single-precision r2c and c2r plans of 2048 and 4096 points, for the stretcher.
    static let stretch = """
        (fftw-3.3.10 fftwf_wisdom #x9e7d4dee #xdb14fed1 #x34bf76a4 #xeb6e8fdf
        (fftwf_codelet_r2cf_2 2 #x11048 #x11048 #x0 #xc4589152 #x2c904887 #x3df0c9d3 #x054d1070)
        (fftwf_codelet_t2bv_32_avx 0 #x10048 #x10048 #x0 #x889f271b #xfc322bc3 #x77dab9f2 #x358ba725)
        (fftwf_codelet_t2fv_32_avx 0 #x11048 #x11048 #x0 #xc6ca45ce #xf08c5f4a #x61a53ade #xe5e374c8)
        (fftwf_codelet_hc2cfdftv_2_sse2 0 #x11048 #x11048 #x0 #x42ead677 #x86451fba #xaefc212f #xfe3ad2af)
        (fftwf_codelet_r2cf_2 2 #x11048 #x11048 #x0 #xfe444ab2 #x3f245c61 #x5e91f2fc #xe780a02d)
        (fftwf_codelet_r2cbIII_2 2 #x10048 #x10048 #x0 #xc266d7ae #xcc604c28 #xabefc5b9 #x5c765009)
        (fftwf_codelet_r2cfII_2 2 #x11048 #x11048 #x0 #x762c26e8 #xabff79e3 #x3a063506 #x18c57a3c)
        (fftwf_codelet_r2cb_2 2 #x10048 #x10048 #x0 #xbf76898c #x7d78c8ce #x8377740c #x9d79896b)
        (fftwf_codelet_hc2cbdftv_2_sse2 0 #x10048 #x10048 #x0 #x1f5f22d9 #xed218381 #x10c9c094 #xe9e7bb90)
        (fftwf_codelet_r2cb_2 2 #x10048 #x10048 #x0 #xf6dad419 #xb3f2ed7c #x4d3ef187 #x7a0d85d4)
        (fftwf_codelet_n2bv_16_avx 0 #x10048 #x10048 #x0 #x09828f7b #x31d0c35d #xa617d809 #x4ccb96bd)
        (fftwf_codelet_n2fv_32_avx 0 #x11048 #x11048 #x0 #x8a4c5fa4 #xb54017ef #x048c03df #x4f290280)
        (fftwf_codelet_n2bv_64_avx 0 #x10048 #x10048 #x0 #x6c447a57 #x88d0c094 #x74220cbd #xa4af46b7)
        (fftwf_codelet_hc2cbdftv_2_sse2 0 #x10048 #x10048 #x0 #x35391f4d #x4848fdd9 #x0d135c52 #x15138e60)
        (fftwf_codelet_r2cfII_2 2 #x11048 #x11048 #x0 #xf4706e13 #x6e8bbca0 #x9c704b36 #x8e8181fc)
        (fftwf_codelet_t2fv_64_avx 0 #x11048 #x11048 #x0 #xa5af12be #x8ea95383 #xcd10c847 #xe6812dfa)
        (fftwf_codelet_t2bv_64_avx 0 #x10048 #x10048 #x0 #xd86f0fcc #x804581bb #x5ccfdfba #x14108c49)
        (fftwf_codelet_n2fv_32_avx 0 #x11048 #x11048 #x0 #x407181dc #x8a77cb1e #xa88df8c5 #xa32373b5)
        (fftwf_codelet_r2cbIII_2 2 #x10048 #x10048 #x0 #x53014ae3 #x5bebcd21 #xb7222d08 #xcb21e60a)
        (fftwf_codelet_hc2cfdftv_2_sse2 0 #x11048 #x11048 #x0 #xc447d79d #x3bb36c12 #x2e7c8386 #xc241521c)
        )
        """
}
