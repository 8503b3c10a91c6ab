import Foundation

/// The effect families the parser knows.
enum EffectKind: Sendable, Hashable {
    case highPass, lowPass, bandPass, lowShelf, highShelf, eq, filterSweep, delay, echoOut, reverb, compressor
    case sidechain, saturation, gain, pan, fadeIn, fadeOut
}

/// Effect names (words joined without separators) and the family and preset words each implies.
enum EffectAliases {
    struct Entry: Sendable {
        let kind: EffectKind
        let presets: [String]
    }

    /// Words dropped before looking for the name.
    static let fillerWords: Set<String> = [
        "the", "a", "an", "with", "on", "effect", "effects", "fx", "add", "apply",
        "some", "and", "to", "of", "into", "plus", "using", "style", "type", "at",
        "over", "gradual", "gradually", "slowly", "medium", "moderate", "normal",
        "tail", "throws", "throw", "for", "by", "layer", "track",
    ]

    /// Effects planners ask for that the render does not have: named explicitly so that "tape stop" is not read
    /// as tape saturation or "white noise sweep" as a filter sweep. Each gives a warning.
    static let unsupported: [String: String] = {
        var t: [String: String] = [:]
        for name in [
            "tapestop", "stutter", "stutteredit", "stutters", "beatrepeat", "glitch", "chorus", "phaser",
            "flanger", "bitcrusher", "bitcrush", "bitcrushing", "vocalchop", "vocalchops", "chop", "chops",
            "stereowidening", "stereowidener", "widening", "widener", "stereowidth", "autopan", "riser",
            "whitenoise", "whitenoisesweep", "noisesweep", "noiseriser", "vinyl", "vinylcrackle", "gate",
            "trancegate", "reverse", "reversed", "reversereverb", "vocoder", "autotune", "granular",
            "tremolo", "vibrato", "wah", "wahwah", "formant", "harmonizer", "octaver", "lofi", "lofifilter",
            "rollcuts", "scratch", "volumeautomation", "automation", "transientshaper", "deesser",
        ] {
            t[name] = "not available in this renderer"
        }
        for name in ["pitchshift", "pitchup", "pitchdown", "transpose", "pitch", "pitchshifting", "keychange"] {
            t[name] = "not an effect here: set the layer's pitch_shift_semitones"
        }
        return t
    }()

    static let table: [String: Entry] = {
        var t: [String: Entry] = [:]
        func add(_ kind: EffectKind, _ names: [String], presets: [String] = []) {
            for name in names { t[name] = Entry(kind: kind, presets: presets) }
        }
        add(
            .highPass,
            [
                "highpass", "highpassfilter", "hpf", "hp", "hipass", "hipassfilter", "highpassed", "lowcut",
                "lowcutfilter", "basscut", "highpassfiltered",
            ])
        add(
            .lowPass,
            [
                "lowpass", "lowpassfilter", "lpf", "lp", "lopass", "lowpassed", "highcut", "highcutfilter",
                "treblecut", "lowpassfiltered",
            ])
        add(.lowPass, ["muffle", "muffled", "muffledfilter"], presets: ["muffled"])
        add(.lowPass, ["underwater", "underwaterfilter"], presets: ["underwater"])
        add(.bandPass, ["bandpass", "bandpassfilter", "bpf", "bandpassed"])
        add(
            .bandPass, ["telephone", "telephonefilter", "telephoneeffect", "phone", "phonefilter", "megaphone"],
            presets: ["telephone"])
        add(.bandPass, ["radio", "radiofilter", "radioeffect", "lofiradio", "amradio"], presets: ["radio"])
        add(.lowShelf, ["lowshelf", "lowshelffilter", "bassshelf"])
        add(.lowShelf, ["bassboost", "lowboost", "lowendboost", "subboost"], presets: ["boost"])
        add(.highShelf, ["highshelf", "highshelffilter", "trebleshelf"])
        add(.highShelf, ["trebleboost", "highboost", "brighten", "brightness", "presence"], presets: ["boost"])
        add(.highShelf, ["air", "airboost", "addair"], presets: ["air"])
        add(.eq, ["eq", "equalizer", "equaliser", "peaking", "peakingeq", "peakeq", "bell", "belleq", "parametriceq"])
        add(
            .filterSweep,
            [
                "filtersweep", "sweep", "sweepfilter", "sweepingfilter", "filtersweeping", "filterrise",
                "risingfilter", "filterbuild", "filterbuildup", "filteropen", "filteropening", "openingfilter",
                "automatedfilter", "filterautomation",
            ])
        add(.filterSweep, ["filterclose", "filterclosing", "closingfilter"], presets: ["down"])
        for prefix in ["lowpass", "lpf", "lp", "highcut", "lowpassfilter"] {
            add(.filterSweep, [prefix + "sweep", prefix + "filtersweep"], presets: ["lowpass"])
        }
        for prefix in ["highpass", "hpf", "hp", "lowcut", "highpassfilter"] {
            add(
                .filterSweep, [prefix + "sweep", prefix + "filtersweep", prefix + "riser", prefix + "rise"],
                presets: ["highpass"])
        }
        add(
            .delay,
            [
                "delay", "delays", "echo", "echoes", "echos", "syncdelay", "tempodelay", "delaythrow", "delaythrows",
                "feedbackdelay", "digitaldelay", "analogdelay", "stereoecho", "delayeffect",
            ])
        add(
            .delay, ["pingpong", "pingpongdelay", "pingpongecho", "stereodelay", "pingpongdelays"],
            presets: ["pingpong"])
        add(.delay, ["tapedelay", "tapeecho", "dubdelay", "dubecho"], presets: ["tape"])
        add(.delay, ["slapback", "slapbackdelay", "slapdelay", "slapbackecho"], presets: ["slapback"])
        add(
            .echoOut,
            [
                "echoout", "echoouts", "delayout", "echoexit", "echotail", "echofade", "echoend", "echofadeout",
                "delaytail", "echooutro",
            ])
        add(.reverb, ["reverb", "verb", "reverberation", "reverbs", "ambient", "reverbsend", "algorithmicreverb"])
        add(
            .reverb,
            [
                "hall", "hallreverb", "concerthall", "largereverb", "bigreverb", "longreverb", "space", "spacious",
                "spacereverb",
            ], presets: ["large"])
        add(
            .reverb, ["room", "roomreverb", "ambience", "smallreverb", "shortreverb", "tightreverb"], presets: ["small"]
        )
        add(.reverb, ["plate", "platereverb", "spring", "springreverb", "vocalreverb"], presets: ["plate"])
        add(.reverb, ["cathedral", "cathedralreverb", "church", "churchreverb"], presets: ["cathedral"])
        add(.reverb, ["wash", "reverbwash", "washout", "infinitereverb", "ambientwash"], presets: ["wash"])
        add(.compressor, ["compression", "compressor", "comp", "compress", "compressed", "dynamics", "compressing"])
        add(
            .compressor,
            [
                "glue", "gluecompression", "gluecompressor", "buscompression", "busscompression",
                "buscompressor",
            ], presets: ["glue"])
        add(.compressor, ["limiter", "limiting", "limit", "brickwall"], presets: ["limiter"])
        add(.compressor, ["parallelcompression", "newyorkcompression"], presets: ["heavy"])
        add(
            .sidechain,
            [
                "sidechain", "sidechaining", "sidechained", "sidechaincompression", "sidechaincompressor",
                "sidechainducking", "sidechainduck", "duck", "ducking", "ducked", "ducker", "sc",
                "sidechaincomp",
            ])
        add(.sidechain, ["sidechainkick", "kickducking", "kicksidechain", "sidechaintokick"], presets: ["kick"])
        add(.sidechain, ["sidechaindrums", "drumsidechain", "drumssidechain", "sidechaintodrums"], presets: ["drums"])
        add(.sidechain, ["sidechainbass", "basssidechain"], presets: ["bass"])
        add(
            .sidechain, ["pump", "pumping", "sidechainpump", "sidechainpumping", "pumpingsidechain"], presets: ["heavy"]
        )
        add(
            .saturation,
            [
                "saturation", "saturate", "saturated", "saturator", "warmth", "warm", "analogwarmth",
                "tapesaturation", "tape", "tubesaturation", "tube", "harmonics", "exciter", "harmonicexciter",
                "softclip", "softclipping",
            ])
        add(
            .saturation,
            [
                "distortion", "distort", "distorted", "overdrive", "overdriven", "drive", "crunch", "crunchy",
                "grit", "gritty", "dirt", "dirty",
            ], presets: ["distortion"])
        add(.saturation, ["fuzz", "fuzzy", "hardclip", "hardclipping", "clipping"], presets: ["fuzz"])
        add(.gain, ["gain", "volume", "level", "trim"])
        add(.gain, ["gainboost", "volumeboost", "boost"], presets: ["boost"])
        add(.gain, ["cut", "gaincut", "volumecut", "attenuate", "attenuation"], presets: ["cut"])
        add(.pan, ["pan", "panning", "panned", "stereopan"])
        add(.pan, ["panleft", "pannedleft", "leftpan"], presets: ["left"])
        add(.pan, ["panright", "pannedright", "rightpan"], presets: ["right"])
        add(.fadeIn, ["fadein", "fadeins", "fadedin", "fadingin", "volumefadein", "swellin", "swell"])
        add(.fadeOut, ["fadeout", "fadeouts", "fadedout", "fadingout", "volumefadeout"])
        return t
    }()
}
