import AmexistDomain
import Crypto
import Foundation
import RegistryTesting
import Testing

@testable import TransparencyLog

/// The stores' in-memory twin, with the layout checked as it grows.
struct MemoryTree: StoredHashReader {
  var log = InMemoryLog()
  var size: Int64 { log.size }

  mutating func append(_ entry: [UInt8]) throws {
    #expect(Int64(log.hashes.count) == StoredTree.index(level: 0, n: size))
    try log.append(entry)
    #expect(Int64(log.hashes.count) == StoredTree.hashCount(leaves: size))
  }

  func storedHashes(at indexes: [Int64]) throws -> [MerkleHash] {
    try log.storedHashes(at: indexes)
  }
}

/// RFC 6962 §2.1 proofs written as the RFC's recursions (roots from `ReferenceMerkle`).
enum Reference {
  static func split(_ n: Int) -> Int { ReferenceMerkle.split(n) }
  static func root(_ leaves: ArraySlice<[UInt8]>) -> MerkleHash { ReferenceMerkle.root(leaves) }

  static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [MerkleHash] {
    guard leaves.count > 1 else { return [] }
    let k = split(leaves.count)
    let start = leaves.startIndex
    if m < k {
      return path(m, leaves[start..<start + k]) + [root(leaves[(start + k)...])]
    }
    return path(m - k, leaves[(start + k)...]) + [root(leaves[start..<start + k])]
  }

  static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ complete: Bool) -> [MerkleHash] {
    if m == leaves.count { return complete ? [] : [root(leaves)] }
    let k = split(leaves.count)
    let start = leaves.startIndex
    if m <= k {
      return subproof(m, leaves[start..<start + k], complete) + [root(leaves[(start + k)...])]
    }
    return subproof(m - k, leaves[(start + k)...], false) + [root(leaves[start..<start + k])]
  }
}

@Suite("Merkle tree: RFC 6962 hashing, stored tree, proofs")
struct MerkleTests {
  static func leaves(_ count: Int) -> [[UInt8]] {
    (0..<count).map { Array("leaf \($0)".utf8) }
  }

  @Test("the empty root and leaf hash of RFC 6962 are SHA-256 of nothing and of 0x00 ‖ d")
  func knownHashes() {
    #expect(
      Merkle.emptyRoot.base64 == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    // RFC 6962 test data: the leaf hash of the empty entry.
    #expect(
      Hex.bytes("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        == Merkle.leafHash([]).bytes)
  }

  @Test("roots and proofs from the stored tree equal the RFC's recursion, and verify")
  func storedTreeMatchesTheRecursion() throws {
    // Every size up to 40 (a tree of six levels), up to 70 under AMEXIST_FULL_TESTS=1.
    let leaves = Self.leaves(TestScale.count("AMEXIST_MERKLE_LEAVES", smoke: 40, full: 70))
    // The recursion's root of every prefix, computed once: each is needed at every larger size.
    let referenceRoots = (0...leaves.count).map { Reference.root(leaves[..<$0]) }
    var tree = MemoryTree()
    for size in 1...leaves.count {
      try tree.append(leaves[size - 1])
      let prefix = leaves[..<size]
      let root = try StoredTree.rootHash(size: Int64(size), reader: tree)
      #expect(root == referenceRoots[size])
      for index in 0..<size {
        let proof = try StoredTree.inclusionProof(
          index: Int64(index), size: Int64(size), reader: tree)
        #expect(proof == Reference.path(index, prefix))
        try ProofVerifier.verifyInclusion(
          index: Int64(index), size: Int64(size), leafHash: Merkle.leafHash(leaves[index]),
          proof: proof, root: root)
      }
      for size1 in 0...size {
        let proof = try StoredTree.consistencyProof(
          size1: Int64(size1), size2: Int64(size), reader: tree)
        #expect(
          proof
            == (size1 == 0 || size1 == size ? [] : Reference.subproof(size1, prefix, true)))
        try ProofVerifier.verifyConsistency(
          size1: Int64(size1), size2: Int64(size), root1: referenceRoots[size1],
          root2: root, proof: proof)
      }
    }
  }

  @Test("stored indexes follow the layout of golang.org/x/mod sumdb/tlog")
  func storedIndexes() {
    // Leaves 0,1 then their parent, leaf 2, leaf 3, parents at levels 1 and 2, leaf 4...
    #expect(StoredTree.index(level: 0, n: 0) == 0)
    #expect(StoredTree.index(level: 0, n: 1) == 1)
    #expect(StoredTree.index(level: 1, n: 0) == 2)
    #expect(StoredTree.index(level: 0, n: 2) == 3)
    #expect(StoredTree.index(level: 0, n: 3) == 4)
    #expect(StoredTree.index(level: 1, n: 1) == 5)
    #expect(StoredTree.index(level: 2, n: 0) == 6)
    #expect(StoredTree.index(level: 0, n: 4) == 7)
    #expect(StoredTree.hashCount(leaves: 4) == 7)
    #expect(StoredTree.hashCount(leaves: 5) == 8)
    #expect(StoredTree.hashCount(leaves: 1_000_000) < 2_000_000)
  }

  @Test("proof generation refuses indexes and sizes outside the tree")
  func generationRefusesBadRequests() throws {
    var tree = MemoryTree()
    for leaf in Self.leaves(5) { try tree.append(leaf) }
    #expect(throws: ProofError.indexBeyondSize(index: 5, size: 5)) {
      try StoredTree.inclusionProof(index: 5, size: 5, reader: tree)
    }
    #expect(throws: ProofError.indexBeyondSize(index: -1, size: 5)) {
      try StoredTree.inclusionProof(index: -1, size: 5, reader: tree)
    }
    #expect(throws: ProofError.sizesOutOfOrder(size1: 4, size2: 3)) {
      try StoredTree.consistencyProof(size1: 4, size2: 3, reader: tree)
    }
    // A size beyond the stored tree needs hashes that are not there.
    #expect(throws: ProofError.self) {
      try StoredTree.inclusionProof(index: 1, size: 9, reader: tree)
    }
  }

  @Test("D7: an interior node presented as a leaf does not prove inclusion")
  func secondPreimage() throws {
    let leaves = Self.leaves(4)
    let root = Reference.root(leaves[...])
    let left = Reference.root(leaves[0..<2])
    let right = Reference.root(leaves[2..<4])
    // Without domain separation, the entry 0x01 ‖ a ‖ b would hash to the node (a, b).
    let forged = [0x01] + Merkle.leafHash(leaves[0]).bytes + Merkle.leafHash(leaves[1]).bytes
    #expect(Merkle.leafHash(forged) != left)
    #expect(throws: ProofError.rootMismatch) {
      try ProofVerifier.verifyInclusion(
        index: 0, size: 2, leafHash: Merkle.leafHash(forged), proof: [right], root: root)
    }
    // The honest proof of the same position, for contrast.
    try ProofVerifier.verifyInclusion(
      index: 0, size: 2, leafHash: left, proof: [right], root: root)
  }
}

@Suite("RFC 9162 proof vectors of transparency-dev/merkle (D5, D6)")
struct ProofVectorTests {
  /// The one vector whose expected success needs a "root" that is not a SHA-256 hash: our
  /// verifier takes only 32-byte hashes, so it refuses it by construction (stricter on purpose).
  static let strictlyRefused: Set<String> = [
    "merkle/testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"
  ]

  static func hashes(_ value: JSONValue?) -> [MerkleHash]? {
    // Go's nil slice: an empty proof.
    if value == .null { return [] }
    guard case .array(let items) = value else { return nil }
    var hashes: [MerkleHash] = []
    for item in items {
      guard case .string(let text) = item, let hash = MerkleHash(base64: text) else { return nil }
      hashes.append(hash)
    }
    return hashes
  }

  static func hash(_ value: JSONValue?) -> MerkleHash? {
    guard case .string(let text) = value else { return nil }
    return MerkleHash(base64: text)
  }

  static func integer(_ value: JSONValue?) -> Int64 {
    guard case .integer(let number) = value else { return -1 }
    return number
  }

  /// Whether the vector's proof holds by our verifier; a hash that is not 32 bytes fails it.
  static func holds(_ vector: JSONValue, consistency: Bool) -> Bool {
    do {
      if consistency {
        guard let root1 = hash(vector["root1"]), let root2 = hash(vector["root2"]),
          let proof = hashes(vector["proof"])
        else { return false }
        try ProofVerifier.verifyConsistency(
          size1: integer(vector["size1"]), size2: integer(vector["size2"]), root1: root1,
          root2: root2, proof: proof)
      } else {
        guard let root = hash(vector["root"]), let leaf = hash(vector["leafHash"]),
          let proof = hashes(vector["proof"])
        else { return false }
        try ProofVerifier.verifyInclusion(
          index: integer(vector["leafIdx"]), size: integer(vector["treeSize"]), leafHash: leaf,
          proof: proof, root: root)
      }
      return true
    } catch {
      return false
    }
  }

  @Test(
    "every inclusion and consistency vector gives its expected result",
    arguments: [
      "merkle/testdata/inclusion", "merkle/testdata/consistency",
    ])
  func vectors(folder: String) throws {
    let files = try Vectors.files(under: folder)
    #expect(files.count > 50)
    var accepted = 0
    for file in files {
      let vector: JSONValue
      do {
        vector = try Vectors.json(file)
      } catch {
        // Indexes past 2^63 (Go's uint64 wrap-around of -1): not representable, so refused;
        // every such vector expects an error.
        let text = try String(contentsOfFile: Vectors.folder + "/" + file, encoding: .utf8)
        #expect(text.contains("\"wantErr\": true"), "\(file): \(error)")
        continue
      }
      guard case .bool(let wantError) = vector["wantErr"] else {
        Issue.record("\(file) has no wantErr")
        continue
      }
      let holds = Self.holds(vector, consistency: folder.hasSuffix("consistency"))
      #expect(holds == (!wantError && !Self.strictlyRefused.contains(file)), "\(file)")
      if holds { accepted += 1 }
    }
    // Happy paths exist in every folder: the verifier is not refusing everything.
    #expect(accepted >= 5)
  }
}
