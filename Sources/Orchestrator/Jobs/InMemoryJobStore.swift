import Foundation

/// The in-memory job store (tests, one-off CLI runs): the in-memory queue, which is a `JobStore` with claims and
/// leases on top; one implementation of the record rules serves both roles.
public typealias InMemoryJobStore = InMemoryJobQueue

/// Rules every store applies to `modify`.
enum JobStoreRules {
    /// Rejects a `modify` that changed state, progress, result or failure (those go through their own methods).
    static func checkFreeFieldsOnly(before: JobRecord, after: JobRecord) throws {
        if before.id != after.id { throw JobStoreError.forbiddenChange(id: before.id, field: "id") }
        if before.state != after.state { throw JobStoreError.forbiddenChange(id: before.id, field: "state") }
        if before.progress != after.progress { throw JobStoreError.forbiddenChange(id: before.id, field: "progress") }
        if before.result != after.result { throw JobStoreError.forbiddenChange(id: before.id, field: "result") }
        if before.failure != after.failure { throw JobStoreError.forbiddenChange(id: before.id, field: "failure") }
    }
}
