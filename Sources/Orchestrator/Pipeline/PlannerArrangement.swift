// The forms the embedded planner lays out: section kinds with their energy and transition in, and the templates
// from longest to shortest (bar counts of 4, 8 or 16 at the target tempo). The planner takes the template whose
// length is nearest the wanted duration among those the songs have material for.

import Foundation
import Render

/// One kind of mashup section.
enum PlannerSectionKind: String, Sendable, CaseIterable {
    case intro, verse, build, drop, breakdown, verse2, build2, finalChorus, outro

    /// 0...1, the arc: rising to the drop, a dip in the breakdown, the peak in the final chorus.
    var energyLevel: Double {
        switch self {
        case .intro: 0.3
        case .verse: 0.5
        case .build: 0.7
        case .drop: 0.9
        case .breakdown: 0.4
        case .verse2: 0.6
        case .build2: 0.75
        case .finalChorus: 1.0
        case .outro: 0.3
        }
    }

    /// Name for descriptions.
    var title: String {
        switch self {
        case .intro: "Intro"
        case .verse: "Verse"
        case .build: "Build"
        case .drop: "Drop"
        case .breakdown: "Breakdown"
        case .verse2: "Verse 2"
        case .build2: "Build 2"
        case .finalChorus: "Final chorus"
        case .outro: "Outro"
        }
    }

    /// True for the sections that hit hardest (entered with a filter sweep).
    var isDrop: Bool { self == .drop || self == .finalChorus }

    /// True for the tension-building sections before a drop.
    var isBuild: Bool { self == .build || self == .build2 }
}

/// A form: section kinds with bar counts.
struct PlannerTemplate: Sendable {
    let sections: [(kind: PlannerSectionKind, bars: Int)]

    /// Total bars.
    var barCount: Int { sections.reduce(0) { $0 + $1.bars } }
    /// The longest section, bars.
    var longestSectionBars: Int { sections.map(\.bars).max() ?? 0 }
    var hasSecondVerse: Bool { sections.contains { $0.kind == .verse2 } }

    /// From longest (104 bars: 3:21 at 124 BPM) to shortest (12 bars).
    static let all: [PlannerTemplate] = [
        PlannerTemplate(sections: [
            (.intro, 8), (.verse, 16), (.build, 8), (.drop, 16), (.breakdown, 8), (.verse2, 16),
            (.build2, 8), (.finalChorus, 16), (.outro, 8),
        ]),
        PlannerTemplate(sections: [
            (.intro, 8), (.verse, 16), (.build, 8), (.drop, 16), (.breakdown, 8), (.build2, 8),
            (.finalChorus, 16), (.outro, 8),
        ]),
        PlannerTemplate(sections: [
            (.intro, 8), (.verse, 16), (.build, 4), (.drop, 16), (.breakdown, 8), (.build2, 4),
            (.finalChorus, 16), (.outro, 8),
        ]),
        PlannerTemplate(sections: [
            (.intro, 8), (.verse, 8), (.build, 4), (.drop, 16), (.breakdown, 8), (.build2, 4),
            (.finalChorus, 16), (.outro, 8),
        ]),
        PlannerTemplate(sections: [
            (.intro, 4), (.verse, 8), (.build, 4), (.drop, 16), (.breakdown, 8), (.build2, 4),
            (.finalChorus, 16), (.outro, 4),
        ]),
        PlannerTemplate(sections: [
            (.intro, 4), (.verse, 8), (.build, 4), (.drop, 8), (.breakdown, 8), (.build2, 4),
            (.finalChorus, 8), (.outro, 4),
        ]),
        PlannerTemplate(sections: [
            (.intro, 4), (.verse, 8), (.build, 4), (.drop, 8), (.breakdown, 4), (.finalChorus, 8),
            (.outro, 4),
        ]),
        PlannerTemplate(sections: [
            (.intro, 4), (.verse, 8), (.drop, 8), (.breakdown, 4), (.finalChorus, 8), (.outro, 4),
        ]),
        PlannerTemplate(sections: [(.intro, 4), (.verse, 4), (.drop, 8), (.outro, 4)]),
        PlannerTemplate(sections: [(.intro, 4), (.drop, 4), (.outro, 4)]),
    ]
}
