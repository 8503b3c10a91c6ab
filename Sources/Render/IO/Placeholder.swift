import DSP
