import AmexistDomain
import Crypto
import Foundation
public import TransparencyLog

#if canImport(Glibc)
  import Glibc
#endif

/// The verified log kept between processes (`Keys/private/verified-log`): what a verified pass
/// over the whole log established (the tree, each entry's leaf hash, which entries are about
/// which subject), so that a command extends it by the entries appended since rather than
/// reading the whole log again.
///
/// It is authenticated with HMAC-SHA256 under a secret derived from the log key: only a holder
/// of the log key, who could sign the log anyway, can make a file the registry accepts, and
/// whoever can only write the database cannot. A file that is missing, damaged, made for
/// another log or by another key is ignored, and the whole pass is made as before. What it
/// restores is still checked against the database at every read: the latest checkpoint must
/// verify and have the root of the restored tree extended by the newer entries, a database
/// with fewer entries than the file is a rollback, and every entry read must have its restored
/// leaf hash.
public struct VerifiedLogFile: Sendable {
  /// Where the file is.
  public let path: String
  /// Whether a read restores the file; the server makes the whole pass at start and only writes
  /// it.
  public let restores: Bool
  /// How many entries a process verifies beyond the file's before writing it again.
  public let rewriteAfter: Int64
  /// Told, once, why a file that is there was not restored (the command then makes the whole
  /// pass): an operator learns why it got slow.
  let whenIgnored: (@Sendable (String) -> Void)?
  let origin: String
  let secret: SymmetricKey

  /// The first bytes of every such file (the format's version is in them).
  static let magic = Array("AMEXIST VERIFIED LOG 1\n".utf8)

  /// The file at `path` for the log `logSigner` signs.
  ///
  /// - Parameters:
  ///   - restores: false for a process that makes the whole pass whatever the file holds.
  ///   - rewriteAfter: entries verified beyond the file's before it is written again (at
  ///     least 1).
  ///   - whenIgnored: told why, when a file is there but fails a check and is not restored.
  public init(
    path: String, logSigner: LogSigner, restores: Bool = true, rewriteAfter: Int64 = 4096,
    whenIgnored: (@Sendable (String) -> Void)? = nil
  ) {
    self.path = path
    self.restores = restores
    self.rewriteAfter = max(1, rewriteAfter)
    self.whenIgnored = whenIgnored
    self.origin = logSigner.origin
    self.secret = logSigner.noteSigner.derivedSecret(purpose: "amexist verified log file v1")
  }

  /// The verified log the file holds, or nil when there is none or it fails any check (told to
  /// `whenIgnored`, unless there is no file).
  func load() -> VerifiedLog? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      if errno != ENOENT {
        whenIgnored?("cannot read \(path) (\(String(cString: strerror(errno))))")
      }
      return nil
    }
    guard let verified = load(descriptor) else {
      whenIgnored?(
        "\(path) is damaged, or was kept for another log or by another log key: it is not used")
      return nil
    }
    return verified
  }

  /// The verified log in the open file `descriptor`, or nil.
  private func load(_ descriptor: Int32) -> VerifiedLog? {
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, let header = Self.read(descriptor, Self.headerSize),
      let lookupsSize = Self.lookupsSize(header: header),
      case let leavesSize = Int64(status.st_size) - Int64(Self.headerSize) - lookupsSize
        - Int64(SHA256.byteCount),
      leavesSize >= 0, let lookups = Self.read(descriptor, Int(lookupsSize)),
      // The leaf hashes go straight into the buffer the verified log keeps.
      let leaves = Self.read(descriptor, Int(leavesSize)),
      let code = Self.read(descriptor, SHA256.byteCount)
    else { return nil }
    return Self.decode(
      header: header[...], lookups: lookups[...], leaves: leaves, code: code[...], origin: origin,
      secret: secret)
  }

  /// Exactly `count` bytes read from `descriptor`, or nil.
  private static func read(_ descriptor: Int32, _ count: Int) -> [UInt8]? {
    var complete = true
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, filled in
      while filled < count {
        let read = Glibc.read(descriptor, buffer.baseAddress! + filled, count - filled)
        if read < 0, errno == EINTR { continue }
        guard read > 0 else { break }
        filled += read
      }
      complete = filled == count
    }
    return complete ? bytes : nil
  }

  /// Writes `verified` in place of the file (a new file renamed over it); a failure leaves the
  /// old file or none, which only costs the next command a longer pass.
  func save(_ verified: VerifiedLog) {
    let bytes = Self.encode(verified, origin: origin, secret: secret)
    // One name per process: two processes writing at once never share a half-written file.
    let temporary = "\(path).\(getpid()).new"
    guard
      FileManager.default.createFile(
        atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
    else { return }
    if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
  }

  /// The size of the header: the magic line and the size of the lookups.
  static var headerSize: Int { magic.count + 8 }

  /// The size of the lookups the header announces, nil when it is not a header.
  static func lookupsSize(header: some Collection<UInt8>) -> Int64? {
    guard header.count == headerSize, header.starts(with: magic) else { return nil }
    let size = header.suffix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    return size < UInt64(Int32.max) ? Int64(size) : nil
  }

  /// The file's bytes for `verified`: the header, the lookups (the log's origin, the tree, which
  /// entries are about which subject, …), the leaf hashes, then the HMAC-SHA256 of everything
  /// before it.
  static func encode(_ verified: VerifiedLog, origin: String, secret: SymmetricKey) -> [UInt8] {
    var writer = ByteWriter()
    writer.string(origin)
    writer.integer(verified.tree.size)
    for hash in verified.tree.spineHashes { writer.bytes.append(contentsOf: hash.bytes) }
    // Registrations name their service by its place among the subjects (read once).
    var places: [EventSubject: Int] = [:]
    writer.integer(verified.subjects.count)
    for (place, (subject, indexes)) in verified.subjects.enumerated() {
      places[subject] = place
      writer.subject(subject)
      writer.integer(indexes.count)
      for index in indexes { writer.integer(index) }
    }
    writer.integer(verified.registrations.count)
    for (siret, index) in verified.registrations {
      writer.integer(places[.service(siret)] ?? Int.max)
      writer.integer(index)
    }
    for pairs in [
      verified.keyAdditions.map { ($0.kid, $0.index) },
      verified.bodyRegistrations.map { ($0.id, $0.index) },
      verified.signedDecisions.map { ($0.key, $0.value) },
    ] {
      writer.integer(pairs.count)
      for (text, index) in pairs {
        writer.string(text)
        writer.integer(index)
      }
    }
    writer.integer(verified.attestations.count)
    for (id, entry) in verified.attestations {
      writer.string(id)
      writer.integer(entry.index)
      writer.string(entry.payloadSHA256)
    }
    writer.integer(verified.statusIndexes.count)
    for index in verified.statusIndexes { writer.integer(index) }

    var file = ByteWriter()
    file.bytes.reserveCapacity(
      headerSize + writer.bytes.count + verified.leafHashBytes.count + SHA256.byteCount)
    file.bytes.append(contentsOf: magic)
    file.integer(writer.bytes.count)
    file.bytes.append(contentsOf: writer.bytes)
    file.bytes.append(contentsOf: verified.leafHashBytes)
    file.bytes.append(contentsOf: HMAC<SHA256>.authenticationCode(for: file.bytes, using: secret))
    return file.bytes
  }

  /// The verified log `bytes` hold, or nil when they are not exactly a file
  /// ``encode(_:origin:secret:)`` made for `origin` with `secret`.
  static func decode(_ bytes: [UInt8], origin: String, secret: SymmetricKey) -> VerifiedLog? {
    guard let lookupsSize = lookupsSize(header: bytes.prefix(headerSize)),
      case let leavesStart = headerSize + Int(lookupsSize),
      bytes.count >= leavesStart + SHA256.byteCount
    else { return nil }
    let codeStart = bytes.count - SHA256.byteCount
    return decode(
      header: bytes[..<headerSize], lookups: bytes[headerSize..<leavesStart],
      leaves: Array(bytes[leavesStart..<codeStart]), code: bytes[codeStart...], origin: origin,
      secret: secret)
  }

  /// The verified log of a file's parts: its code is checked before anything is read.
  private static func decode(
    header: ArraySlice<UInt8>, lookups: ArraySlice<UInt8>, leaves: [UInt8],
    code: ArraySlice<UInt8>, origin: String, secret: SymmetricKey
  ) -> VerifiedLog? {
    var authenticator = HMAC<SHA256>(key: secret)
    authenticator.update(data: header)
    authenticator.update(data: lookups)
    authenticator.update(data: leaves)
    // The comparison of two codes takes the same time wherever they differ.
    guard authenticator.finalize() == code else { return nil }
    var reader = ByteReader(bytes: lookups)
    guard reader.string() == origin, let size = reader.index(below: .max),
      leaves.count % MerkleHash.size == 0, Int64(leaves.count / MerkleHash.size) == size
    else { return nil }
    var spine: [MerkleHash] = []
    for _ in 0..<UInt64(size).nonzeroBitCount {
      guard let bytes = reader.take(MerkleHash.size), let hash = MerkleHash(bytes: Array(bytes))
      else { return nil }
      spine.append(hash)
    }
    guard let tree = CompactRange(size: size, spine: spine) else { return nil }

    // A subject takes at least its tag, its count and one index.
    guard let subjectCount = reader.count(itemSize: 17) else { return nil }
    var subjects: [EventSubject: [Int64]] = [:]
    subjects.reserveCapacity(subjectCount)
    var services: [SIRET?] = []
    services.reserveCapacity(subjectCount)
    for _ in 0..<subjectCount {
      guard let subject = reader.subject(), subjects[subject] == nil,
        let count = reader.count(itemSize: 8), count > 0
      else { return nil }
      var indexes: [Int64] = []
      indexes.reserveCapacity(count)
      for _ in 0..<count {
        guard let index = reader.index(below: size), index > indexes.last ?? -1 else { return nil }
        indexes.append(index)
      }
      subjects[subject] = indexes
      if case .service(let siret) = subject { services.append(siret) } else { services.append(nil) }
    }
    guard let registrationCount = reader.count(itemSize: 16) else { return nil }
    var registrations: [(siret: SIRET, index: Int64)] = []
    registrations.reserveCapacity(registrationCount)
    for _ in 0..<registrationCount {
      guard let place = reader.index(below: Int64(services.count)),
        let siret = services[Int(place)], let index = reader.index(below: size)
      else { return nil }
      registrations.append((siret, index))
    }
    guard let keyAdditions = reader.pairs(below: size),
      let bodyRegistrations = reader.pairs(below: size),
      let decisions = reader.pairs(below: size),
      let attestationCount = reader.count()
    else { return nil }
    var attestations: [String: VerifiedLog.IssuedEntry] = [:]
    for _ in 0..<attestationCount {
      guard let id = reader.string(), let index = reader.index(below: size),
        let payloadSHA256 = reader.string(), attestations[id] == nil
      else { return nil }
      attestations[id] = VerifiedLog.IssuedEntry(index: index, payloadSHA256: payloadSHA256)
    }
    var statusIndexes: Set<Int64> = []
    guard let statusCount = reader.count() else { return nil }
    for _ in 0..<statusCount {
      guard let index = reader.index(below: .max) else { return nil }
      statusIndexes.insert(index)
    }
    guard reader.isAtEnd else { return nil }
    return VerifiedLog(
      tree: tree, leafHashBytes: leaves, subjects: subjects,
      registrations: registrations,
      keyAdditions: keyAdditions.map { (kid: $0.0, index: $0.1) },
      bodyRegistrations: bodyRegistrations.map { (id: $0.0, index: $0.1) },
      signedDecisions: Dictionary(decisions, uniquingKeysWith: { first, _ in first }),
      attestations: attestations, statusIndexes: statusIndexes)
  }
}

/// Little-endian integers and length-prefixed UTF-8 strings, appended.
private struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func integer(_ value: some BinaryInteger) {
    withUnsafeBytes(of: UInt64(truncatingIfNeeded: value).littleEndian) {
      bytes.append(contentsOf: $0)
    }
  }

  mutating func string(_ text: String) {
    integer(text.utf8.count)
    bytes.append(contentsOf: text.utf8)
  }

  mutating func subject(_ subject: EventSubject) {
    switch subject {
    case .service(let siret):
      bytes.append(0)
      string(siret.digits)
    case .key(let kid):
      bytes.append(1)
      string(kid)
    case .registry: bytes.append(2)
    case .status: bytes.append(3)
    case .body(let id):
      bytes.append(4)
      string(id)
    }
  }
}

/// Reads what ``ByteWriter`` wrote; every read is bounded by the bytes left and answers nil
/// past them.
private struct ByteReader {
  let bytes: ArraySlice<UInt8>
  var offset: Int

  init(bytes: ArraySlice<UInt8>) {
    self.bytes = bytes
    self.offset = bytes.startIndex
  }

  var isAtEnd: Bool { offset == bytes.endIndex }

  mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
    guard count >= 0, bytes.endIndex - offset >= count else { return nil }
    defer { offset += count }
    return bytes[offset..<offset + count]
  }

  mutating func integer() -> UInt64? {
    guard let taken = take(8) else { return nil }
    return taken.reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }

  /// A count of items, each at least `itemSize` bytes: never more than the bytes left hold.
  mutating func count(itemSize: Int = 1) -> Int? {
    guard let value = integer(), value <= UInt64((bytes.endIndex - offset) / itemSize) else {
      return nil
    }
    return Int(value)
  }

  /// A log index below `limit`.
  mutating func index(below limit: Int64) -> Int64? {
    guard let value = integer(), value < UInt64(limit) else { return nil }
    return Int64(value)
  }

  mutating func string() -> String? {
    guard let length = count(), let taken = take(length) else { return nil }
    return String(validating: taken, as: UTF8.self)
  }

  mutating func subject() -> EventSubject? {
    guard let tag = take(1)?.first else { return nil }
    switch tag {
    case 0: return string().flatMap { try? SIRET($0) }.map(EventSubject.service)
    case 1: return string().map(EventSubject.key)
    case 2: return .registry
    case 3: return .status
    case 4: return string().map(EventSubject.body)
    default: return nil
    }
  }

  /// A counted list of (text, index below `size`) pairs.
  mutating func pairs(below size: Int64) -> [(String, Int64)]? {
    guard let count = count(itemSize: 16) else { return nil }
    var pairs: [(String, Int64)] = []
    for _ in 0..<count {
      guard let text = string(), let index = index(below: size) else { return nil }
      pairs.append((text, index))
    }
    return pairs
  }
}
