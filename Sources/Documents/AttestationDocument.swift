public import AmexistDomain
public import Attestation
import Crypto
import Foundation
import TransparencyLog

/// What the printed attestation states: values read from a verified attestation and its log
/// proof, and nothing else, so that a verifier can rebuild the page from the signed bundle.
public struct AttestationSheet: Hashable, Sendable {
  /// The signed claims.
  public let claims: AttestationClaims
  /// The key id of the signature.
  public let kid: String
  /// The signature algorithm.
  public let algorithm: SigningAlgorithm
  /// The log index of the `attestationIssued` entry.
  public let logIndex: Int64
  /// The log's origin.
  public let logOrigin: String

  /// The sheet of claims signed with `kid` and logged at `logIndex` in the log `logOrigin`.
  public init(
    claims: AttestationClaims, kid: String, algorithm: SigningAlgorithm, logIndex: Int64,
    logOrigin: String
  ) {
    self.claims = claims
    self.kid = kid
    self.algorithm = algorithm
    self.logIndex = logIndex
    self.logOrigin = logOrigin
  }

  /// The sheet of a verified attestation and its verified log inclusion.
  public init(_ attestation: VerifiedAttestation, _ inclusion: VerifiedInclusion) {
    self.init(
      claims: attestation.claims, kid: attestation.kid, algorithm: attestation.algorithm,
      logIndex: inclusion.index, logOrigin: inclusion.checkpoint.checkpoint.origin)
  }

  /// The attestation's UUID (its id without `urn:uuid:`).
  public var uuid: String { claims.uuid }
  /// The name of the bundle attached to the PDF.
  public var bundleFileName: String { uuid + ".amexist.json" }
}

/// The `/v/{id}` link a printed attestation carries in its QR code: the registry's public origin
/// and the attestation's UUID, nothing else.
public struct VerificationLink: Hashable, Sendable, CustomStringConvertible {
  /// `https://host[:port]`, lower-case, without a trailing slash.
  public let origin: String
  /// The attestation's UUID.
  public let uuid: String

  /// The link to the attestation `uuid` on `origin`.
  ///
  /// - Throws: `DocumentError.badOrigin` unless `origin` is an https origin (scheme, host made
  ///   of letters, digits, dots and hyphens, optional port, nothing after; `http://` only for
  ///   the loopback host), and `.malformed` when `uuid` is not a UUID.
  public init(origin: String, uuid: String) throws(DocumentError) {
    self.origin = try Self.normalisedOrigin(origin)
    guard uuid.count == 36, UUID(uuidString: uuid)?.uuidString.lowercased() == uuid else {
      throw .malformed("the attestation id is not a lower-case UUID")
    }
    self.uuid = uuid
  }

  /// The link as text.
  public var description: String { origin + "/v/" + uuid }

  /// `origin` checked and lower-cased, its trailing slash removed.
  public static func normalisedOrigin(_ origin: String) throws(DocumentError) -> String {
    var text = origin.lowercased()
    while text.hasSuffix("/") { text.removeLast() }
    let shown = origin.prefix(100)
    let isSecure = text.hasPrefix("https://")
    guard isSecure || text.hasPrefix("http://") else {
      throw .badOrigin("\(shown) is not an https:// origin")
    }
    let authority = text.dropFirst(isSecure ? 8 : 7)
    let host: Substring
    let port: Substring?
    if authority.hasPrefix("[::1]") {
      host = authority.prefix(5)
      let rest = authority.dropFirst(5)
      guard rest.isEmpty || rest.hasPrefix(":") else {
        throw .badOrigin("\(shown) is not an origin")
      }
      port = rest.isEmpty ? nil : rest.dropFirst()
    } else if let colon = authority.firstIndex(of: ":") {
      host = authority[..<colon]
      port = authority[authority.index(after: colon)...]
    } else {
      host = authority
      port = nil
    }
    if let port {
      guard port.utf8.count <= 5, port.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
        let number = Int(port),
        (1...65535).contains(number)
      else { throw .badOrigin("\(shown) has a bad port") }
    }
    guard host == "[::1]" || isHostName(host) else {
      throw .badOrigin(
        "\(shown) is not an origin (scheme and host only: no user, path, query or fragment)")
    }
    guard isSecure || ["127.0.0.1", "localhost", "[::1]"].contains(host) else {
      throw .badOrigin("\(shown) is not an https:// origin (http only for the loopback host)")
    }
    return text
  }

  /// A DNS name or IPv4 address: dot-separated labels of letters, digits and inner hyphens.
  private static func isHostName(_ host: Substring) -> Bool {
    let labels = host.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    return host.utf8.count <= 253
      && labels.allSatisfy { label in
        (1...63).contains(label.count) && label.first != UInt8(ascii: "-")
          && label.last != UInt8(ascii: "-")
          && label.allSatisfy {
            (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-")
          }
      }
  }
}

/// Why a printed attestation could not be made or read.
public enum DocumentError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The public base URL is not an https origin.
  case badOrigin(String)
  /// The file is not a PDF attestation of this registry.
  case malformed(String)
  /// The attestation's values do not fit its page.
  case doesNotFit(String)

  public var description: String {
    switch self {
    case .badOrigin(let reason): "bad public base URL: \(reason)"
    case .malformed(let reason): "not an AMEXIST attestation PDF: \(reason)"
    case .doesNotFit(let reason): "the printed attestation cannot be made: \(reason)"
    }
  }
}

/// The printable attestation: one A4 page in French or English with the service, the level in
/// words, the dates, the evaluator, the attestation id, the key id and a QR code carrying the
/// `/v/{id}` link, and the signed bundle attached as `<uuid>.amexist.json` (PDF 1.7 embedded
/// file), so that the file verifies offline.
///
/// The PDF is a pure function of the bundle's bytes, the sheet read from it, the language and
/// the link: a verifier rebuilds it from the attached bundle and requires the very same bytes,
/// so nothing on the page can differ from what was signed.
public enum AttestationPDF {
  /// The largest PDF read, in bytes.
  public static let maximumSize = 262_144

  /// The PDF of `sheet` in `layout` (by default the one its claims name), attaching `bundle`
  /// (the bundle file's exact bytes).
  public static func render(
    _ sheet: AttestationSheet, bundle: [UInt8], language: PageLanguage, link: VerificationLink,
    layout: AttestationLayoutVersion? = nil
  ) throws(DocumentError) -> [UInt8] {
    guard let layout = layout ?? AttestationLayoutVersion(claims: sheet.claims) else {
      throw .malformed("its layout \(sheet.claims.layout ?? "?") is not one this amexist knows")
    }
    if let signed = sheet.claims.lang, signed != language.rawValue {
      throw .malformed("the attestation was signed for a page in \(signed)")
    }
    guard link.uuid == sheet.uuid else {
      throw .malformed("the link names another attestation")
    }
    let code: QRCode
    do {
      code = try QRCode(text: link.description)
    } catch {
      throw .badOrigin(error.description)
    }
    var writer = PDFWriter()
    let catalog = writer.reserve()
    let pages = writer.reserve()
    let page = writer.reserve()
    let regular = writer.add(
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    let bold = writer.add(
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    let drawn = try AttestationLayout.draw(
      sheet, language: language, link: link, code: code, version: layout)
    let content = writer.addStream("", drawn.content)
    let annotation = writer.add(
      "<< /Type /Annot /Subtype /Link /Rect [\(drawn.linkArea)] /Border [0 0 0] "
        + "/A << /Type /Action /S /URI /URI \(PDFText.ascii(link.description)) >> >>")
    let created = PDFDate.of(sheet.claims.validFrom)
    let embedded = writer.addStream(
      "/Type /EmbeddedFile /Subtype /application#2Fjson /Params << /Size \(bundle.count) "
        + "/CreationDate \(PDFText.ascii(created)) >>", bundle)
    let description =
      language == .french
      ? "Attestation signée et preuve d'inscription au journal" : "Signed attestation and log proof"
    let fileSpec = writer.add(
      "<< /Type /Filespec /F \(PDFText.ascii(sheet.bundleFileName)) /UF "
        + "\(PDFText.unicode(sheet.bundleFileName)) /Desc \(PDFText.unicode(description)) "
        + "/EF << /F \(embedded.text) /UF \(embedded.text) >> >>")
    writer.set(
      page,
      "<< /Type /Page /Parent \(pages.text) /MediaBox [0 0 595.28 841.89] "
        + "/Resources << /Font << /F1 \(regular.text) /F2 \(bold.text) >> >> "
        + "/Contents \(content.text) /Annots [\(annotation.text)] >>")
    writer.set(pages, "<< /Type /Pages /Kids [\(page.text)] /Count 1 >>")
    writer.set(
      catalog,
      "<< /Type /Catalog /Pages \(pages.text) /Lang \(PDFText.ascii(language.tag)) "
        + "/Names << /EmbeddedFiles << /Names [\(PDFText.ascii(sheet.bundleFileName)) "
        + "\(fileSpec.text)] >> >> /PageMode /UseAttachments "
        + "/ViewerPreferences << /DisplayDocTitle true >> >>")
    let title =
      (language == .french ? "Attestation AMEXIST – " : "AMEXIST attestation – ")
      + sheet.claims.name
    let info = writer.add(
      "<< /Title \(PDFText.unicode(title)) /Author \(PDFText.unicode(sheet.claims.issuer)) "
        + "/Subject \(PDFText.unicode(sheet.claims.id)) /Producer (AMEXIST Registry) "
        + "/CreationDate \(PDFText.ascii(created)) >>")
    let id = Array(SHA256.hash(data: bundle + Array(link.description.utf8)).prefix(16))
    return writer.file(root: catalog, info: info, id: id)
  }

  /// What a PDF attestation carries: the attached bundle, the page's language and its link.
  public struct Contents: Hashable, Sendable {
    /// The attached bundle's bytes.
    public let bundle: [UInt8]
    /// The language of the page.
    public let language: PageLanguage
    /// The link of the QR code, as written.
    public let link: String
  }

  /// Reads the attached bundle, language and link of a PDF made by ``render(_:bundle:language:link:)``.
  ///
  /// This is not a general PDF reader: it finds the one embedded file, the one link and the
  /// language by the exact syntax ``render`` writes, and refuses anything else. The caller then
  /// rebuilds the PDF from what was read and compares bytes (``AttestationPDFVerifier``), so a
  /// file this reads but ``render`` would not have written is still refused.
  public static func contents(of pdf: [UInt8]) throws(DocumentError) -> Contents {
    guard pdf.count <= maximumSize else {
      throw .malformed("larger than \(maximumSize / 1024) KiB")
    }
    guard pdf.starts(with: Array("%PDF-1.7\n".utf8)) else { throw .malformed("no PDF 1.7 header") }
    let marker = Array("<< /Type /EmbeddedFile /Subtype /application#2Fjson /Params << /Size ".utf8)
    guard let start = unique(marker, in: pdf) else {
      throw .malformed("it must carry exactly one attached bundle")
    }
    // `<size> /CreationDate (…) >> /Length <size> >>\nstream\n` then the bytes.
    guard let streamStart = firstRange(of: Array(">>\nstream\n".utf8), in: pdf, from: start),
      streamStart.lowerBound - start < 200,
      let lengthAt = firstRange(of: Array("/Length ".utf8), in: pdf, from: start),
      lengthAt.upperBound < streamStart.lowerBound,
      let length = Int(
        String(decoding: pdf[lengthAt.upperBound..<streamStart.lowerBound], as: UTF8.self)
          .trimmingCharacters(in: .whitespaces)),
      length >= 0, length <= AttestationBundle.maximumSize,
      streamStart.upperBound + length <= pdf.count
    else {
      throw .malformed("the attached bundle cannot be read")
    }
    let bundle = Array(pdf[streamStart.upperBound..<(streamStart.upperBound + length)])
    guard pdf[(streamStart.upperBound + length)...].starts(with: Array("\nendstream".utf8)) else {
      throw .malformed("the attached bundle's length is wrong")
    }
    guard let linkText = try literal(after: "/S /URI /URI ", in: pdf),
      let languageText = try literal(after: "/Lang ", in: pdf),
      let language = PageLanguage.allCases.first(where: { $0.tag == languageText })
    else {
      throw .malformed("it must carry one link and the page's language")
    }
    return Contents(bundle: bundle, language: language, link: linkText)
  }

  /// The ASCII literal string that follows the only occurrence of `prefix`; nil when absent.
  private static func literal(after prefix: String, in pdf: [UInt8]) throws(DocumentError)
    -> String?
  {
    let marker = Array((prefix + "(").utf8)
    guard let start = unique(marker, in: pdf) else { return nil }
    let from = start + marker.count
    guard let end = pdf[from...].prefix(2048).firstIndex(of: UInt8(ascii: ")")) else {
      return nil
    }
    let bytes = pdf[from..<end]
    // Only what `PDFText.ascii` writes for an origin, a UUID and a language tag.
    guard bytes.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") }) else {
      throw .malformed("unexpected characters in \(prefix)")
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The start of `needle` in `haystack` when it occurs exactly once.
  private static func unique(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard let first = firstRange(of: needle, in: haystack, from: 0),
      firstRange(of: needle, in: haystack, from: first.lowerBound + 1) == nil
    else { return nil }
    return first.lowerBound
  }

  private static func firstRange(of needle: [UInt8], in haystack: [UInt8], from start: Int)
    -> Range<Int>?
  {
    guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count
    else { return nil }
    let first = needle[0]
    var index = start
    while index <= haystack.count - needle.count {
      if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) {
        return index..<(index + needle.count)
      }
      index += 1
    }
    return nil
  }
}

/// Verifies a PDF attestation: the attached bundle as ``AttestationVerifier`` does, then that
/// the QR code links to a pinned origin and that the page is exactly the one the registry makes
/// for that bundle.
public struct AttestationPDFVerifier: Sendable {
  /// The bundle verifier (trust file).
  public let verifier: AttestationVerifier
  /// The origins a printed attestation may link to, normalised.
  public let origins: [String]

  /// A verifier trusting `verifier`'s keys, accepting links to `origins` only.
  public init(verifier: AttestationVerifier, origins: [String]) {
    self.verifier = verifier
    self.origins = origins.compactMap { try? VerificationLink.normalisedOrigin($0) }
  }

  /// Whether `input` starts like a PDF file.
  public static func isPDF(_ input: [UInt8]) -> Bool { input.starts(with: Array("%PDF-".utf8)) }

  /// The report for `input` at `now`: a PDF as ``verifyDocument(_:now:)`` does, anything else
  /// (a bundle, a JWS) as the bundle verifier does.
  public func verifyUpload(_ input: [UInt8], now: Instant) -> PrintedCheck {
    Self.isPDF(input)
      ? verifyDocument(input, now: now)
      : PrintedCheck(report: verifier.verify(input, now: now), page: nil)
  }

  /// The report for the PDF `pdf` at `now`. A document failure takes precedence over the
  /// bundle's own (an altered page says nothing true, even about an expired attestation).
  public func verify(_ pdf: [UInt8], now: Instant) -> VerificationReport {
    verifyDocument(pdf, now: now).report
  }

  /// The report for the PDF `pdf` at `now`, and what was found of its page: the registry's
  /// own rendering of the attached attestation (with its QR code's link), or a file that
  /// another program re-saved, whose page cannot be checked (the verdict is then its attached
  /// bundle's).
  public func verifyDocument(_ pdf: [UInt8], now: Instant) -> PrintedCheck {
    let contents: AttestationPDF.Contents
    do {
      contents = try AttestationPDF.contents(of: pdf)
    } catch {
      if let bundle = ResavedPDF.attachedBundle(of: pdf) {
        return PrintedCheck(report: verifier.verify(bundle, now: now), page: .resaved)
      }
      return PrintedCheck(report: .refused(.malformed(error.description), at: now), page: nil)
    }
    let report = verifier.verify(contents.bundle, now: now)
    guard let attestation = report.attestation, let inclusion = report.inclusion else {
      return PrintedCheck(report: report, page: nil)
    }
    let sheet = AttestationSheet(attestation, inclusion)
    let path = "/v/" + sheet.uuid
    guard contents.link.hasSuffix(path) else {
      return PrintedCheck(
        report: report.replacingFailure(
          .documentAltered("its QR code links to \(contents.link.prefix(120)), not to \(path)")),
        page: nil)
    }
    guard
      let link = origins.lazy.compactMap({ try? VerificationLink(origin: $0, uuid: sheet.uuid) })
        .first(where: { $0.description == contents.link })
    else {
      let pinned = origins.isEmpty ? "none" : origins.joined(separator: ", ")
      return PrintedCheck(
        report: report.replacingFailure(
          .unpinnedLink(
            "its QR code links to \(contents.link.prefix(120)); pinned: \(pinned) (verify --base-url ORIGIN adds one you trust)"
          )),
        page: nil)
    }
    guard let layout = AttestationLayoutVersion(claims: sheet.claims) else {
      return PrintedCheck(
        report: report.replacingFailure(
          .malformed(
            "its page layout \(sheet.claims.layout ?? "?") is not one this version of amexist knows: update amexist"
          )),
        page: nil)
    }
    let expected = try? AttestationPDF.render(
      sheet, bundle: contents.bundle, language: contents.language, link: link, layout: layout)
    guard expected == pdf else {
      return PrintedCheck(
        report: report.replacingFailure(
          .documentAltered(
            "the file is not the registry's PDF of the signed attestation it carries")),
        page: nil)
    }
    return PrintedCheck(report: report, page: .genuine(link))
  }
}

/// What verifying an upload (bundle, JWS or PDF) found.
public struct PrintedCheck: Sendable {
  /// What a PDF's page was found to be.
  public enum Page: Hashable, Sendable {
    /// The registry's own rendering of the attached attestation, linking to `link`.
    case genuine(VerificationLink)
    /// Re-saved by another program: the page was not checked; the verdict is the attached
    /// bundle's.
    case resaved
  }

  /// The verdict.
  public let report: VerificationReport
  /// For a PDF whose attached attestation verified: its page; nil otherwise.
  public let page: Page?

  /// The QR code's link of a genuine page.
  public var link: VerificationLink? {
    if case .genuine(let link) = page { return link }
    return nil
  }
}

extension PageLanguage {
  /// The BCP 47 tag of a document in this language.
  var tag: String { self == .french ? "fr-FR" : "en-GB" }
}

/// PDF dates (7.9.4).
enum PDFDate {
  /// `D:YYYYMMDDHHmmSSZ` of `instant` in UTC.
  static func of(_ instant: Instant) -> String {
    let digits = instant.description.prefix(19).filter(\.isNumber)
    return "D:" + digits + "Z"
  }
}

extension AttestationPDF {
  /// Checks, before an attestation with `claims` is signed, that its page can be made in the
  /// layout and language the claims name, whatever key, log index and origin it gets.
  ///
  /// - Throws: ``DocumentError`` when it cannot (an unknown layout, values that do not fit).
  @Sendable public static func checkFits(_ claims: AttestationClaims) throws {
    guard let layout = AttestationLayoutVersion(claims: claims) else {
      throw DocumentError.malformed("unknown layout \(claims.layout ?? "?")")
    }
    // The longest key id, log index and log origin a page may show.
    let sheet = AttestationSheet(
      claims: claims, kid: "es256-" + String(repeating: "W", count: 43), algorithm: .es256,
      logIndex: 9_999_999_999, logOrigin: String(repeating: "w", count: 100))
    let link = try VerificationLink(origin: "https://registry.example", uuid: sheet.uuid)
    let code = try QRCode(text: link.description)
    _ = try AttestationLayout.draw(
      sheet, language: PageLanguage(rawValue: claims.lang ?? "fr") ?? .french, link: link,
      code: code, version: layout)
  }

  /// The PDF of the bundle file `bundle`, made only from what verifies in it: the signature with
  /// a key `verifier` trusts and the log proof (an attestation since expired or withdrawn is
  /// still printed as it was issued; its verification says so).
  ///
  /// - Throws: `DocumentError.malformed` when the signature or the log proof does not verify,
  ///   `.badOrigin` for a bad `origin`.
  public static func render(
    bundle: [UInt8], verifiedBy verifier: AttestationVerifier, at now: Instant,
    language: PageLanguage, origin: String
  ) throws(DocumentError) -> [UInt8] {
    let report = verifier.verify(bundle, now: now)
    guard let attestation = report.attestation, let inclusion = report.inclusion else {
      throw .malformed(report.failure?.description ?? "the bundle does not verify")
    }
    let sheet = AttestationSheet(attestation, inclusion)
    let link = try VerificationLink(origin: origin, uuid: sheet.uuid)
    return try render(sheet, bundle: bundle, language: language, link: link)
  }
}
