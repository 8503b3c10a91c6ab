import Foundation
import Orchestrator
import Render
import Testing

@Suite("JSON extraction from LLM replies")
struct JSONExtractionTests {
    @Test("an object in prose with a code fence, braces inside strings, and a false start")
    func prose() {
        let text = """
            Here is my plan {not json}. Note: I use "{" in text.
            ```json
            {"creative_vision": "A night {drive}", "masterplan": {"title": "T \\"quoted\\" }", "timeline": [{"a": 1}]}}
            ```
            Let me know if you want changes! {"second": true}
            """
        let object = JSONExtraction.firstObject(in: text)
        #expect(object?["creative_vision"]?.stringValue == "A night {drive}")
        #expect(object?["masterplan"]?["title"]?.stringValue == "T \"quoted\" }")
        #expect(object?["masterplan"]?["timeline"]?[0]?["a"]?.doubleValue == 1)
    }

    @Test("no complete object gives nil", arguments: ["no json here", "{\"truncated\": [1, 2", "[1, 2, 3]", ""])
    func none(text: String) {
        #expect(JSONExtraction.firstObject(in: text) == nil)
    }

    @Test("a bare object is returned as is")
    func bare() {
        #expect(
            JSONExtraction.firstObject(in: #"  {"a": {"b": [1, {"c": null}]}}  "#) == ["a": ["b": [1, ["c": nil]]]])
    }
}
