import Foundation
import LogVerification
import TransparencyLog

/// The broker's auditor endpoints (SPEC §2, §4) as a `LogSource`. Answers are decoded strictly but
/// not trusted: `LogVerification` checks them against the signed checkpoint.
struct AuditLogSource: LogSource {
    let client: BrokerClient

    struct EntriesPage: Decodable {
        struct Item: Decodable {
            let index: UInt64
            let entry: String
        }
        let entries: [Item]
    }

    struct Proof: Decodable {
        let hashes: [String]
    }

    func signedCheckpoint() async throws -> String {
        String(decoding: try await client.send("GET", "/v1/audit/checkpoint"), as: UTF8.self)
    }

    func entries(start: UInt64, limit: Int) async throws -> [ServedEntry] {
        try await entries(query: "start=\(start)&limit=\(limit)")
    }

    /// A page of entries for any query the broker accepts (filters included).
    func entries(query: String) async throws -> [ServedEntry] {
        let page = try await client.get("/v1/audit/entries?\(query)", as: EntriesPage.self)
        return try page.entries.map { item in
            guard let leaf = Data(base64Encoded: item.entry) else {
                throw CLIError("the broker served entry \(item.index) without base64 leaf bytes")
            }
            return ServedEntry(index: item.index, leaf: Array(leaf))
        }
    }

    func entryBundle(_ tile: TilePath) async throws -> [UInt8] {
        try await client.send("GET", "/v1/audit/tlog/tile/entries/\(tile.path)")
    }

    func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] {
        try hashes(try await client.get("/v1/audit/proof/inclusion?index=\(index)&treeSize=\(treeSize)", as: Proof.self))
    }

    func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] {
        try hashes(try await client.get("/v1/audit/proof/consistency?from=\(from)&to=\(to)", as: Proof.self))
    }

    private func hashes(_ proof: Proof) throws -> [Hash] {
        try proof.hashes.enumerated().map { position, text in
            guard let hash = Hash(base64: text) else { throw CLIError("proof hash \(position) from the broker is not base64 of 32 bytes") }
            return hash
        }
    }
}
