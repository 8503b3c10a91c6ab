import Foundation
import Orchestrator
import Render
import Testing

/// Remote service answers from outside (issue 14): strict JSON, no trap on absurd numbers, linear extraction.
@Suite("Hostile service answers")
struct HostileAnswerTests {
    func response(_ text: String) -> TransportResponse {
        TransportResponse(statusCode: 200, headers: ["Content-Type": "application/json"], body: Data(text.utf8))
    }

    @Test("token counts of 1e300 or NaN in a Claude answer saturate instead of trapping")
    func absurdTokenCounts() throws {
        let reply = try AnthropicClient.validate(
            response(
                #"{"content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn", "usage": {"input_tokens": 1e300, "output_tokens": NaN}}"#
            ))
        #expect(reply.inputTokens == Int.saturationLimit)
        #expect(reply.outputTokens == 0)
    }

    @Test("an answer with a trailing comma or a duplicate key is refused with its place")
    func strictAnswers() {
        for text in [
            #"{"analysis": {"harmonic": {"key": "A minor",}}}"#, #"{"stems": {"vocals": "a.wav", "vocals": "b.wav"}}"#,
        ] {
            do {
                _ = try ResponseValidator.parse(response(text))
                Issue.record("\(text) was read")
            } catch let error as ResponseValidationError {
                #expect(error.field.hasPrefix("body."), "\(error)")
                #expect(error.reason.contains("line 1, column"), "\(error)")
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
    }

    @Test("a reply of a megabyte of braces gives no object, and a plan after prose braces is still found")
    func extraction() {
        #expect(JSONExtraction.firstObject(in: String(repeating: "{", count: 1 << 20)) == nil)
        #expect(JSONExtraction.firstObject(in: String(repeating: "{\"a\": ", count: 100_000)) == nil)
        let prose = String(repeating: "{x} ", count: 100) + #"{"masterplan": {"timeline": []}}"#
        #expect(JSONExtraction.firstObject(in: prose) == ["masterplan": ["timeline": []]])
    }
}
