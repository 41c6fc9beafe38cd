import AmexistDomain
import Attestation

/// A released layout of the printed attestation, named in the credentials issued with it.
///
/// Every released layout stays, with the days it was issued on: a PDF is rebuilt with the
/// layout its credential names, so a later change of wording never turns a genuine PDF into an
/// altered one, and a defective layout can be refused by name.
public enum AttestationLayoutVersion: String, CaseIterable, Sendable {
  /// Issued until 2026-12-02 (credentials without `layout`): every field at 11.5 points, so
  /// fields at their length limits could push the QR block off the page.
  case first = "amexist-a4/1"
  /// Issued from 2026-12-02: the fields' size shrinks (down to 7 points) so that the QR block
  /// always stays on the page.
  case fitted = "amexist-a4/2"

  /// The layout `claims` name (the first for claims that name none); nil for one this version
  /// of amexist does not know.
  public init?(claims: AttestationClaims) {
    guard let name = claims.layout else {
      self = .first
      return
    }
    self.init(rawValue: name)
  }
}

/// The page of the printed attestation: A4 portrait, 2 cm margins, the fields in two columns
/// (label, value), the QR code and the link under them, a notice at the foot.
struct AttestationLayout {
  let sheet: AttestationSheet
  let language: PageLanguage
  let link: VerificationLink
  let code: QRCode
  let version: AttestationLayoutVersion

  private static let pageHeight = 841.89
  private static let left = 56.69
  private static let right = 595.28 - 56.69
  private static let valueColumn = 56.69 + 150
  private static let green = "0.118 0.42 0.204"

  /// Content stream operators, one per line.
  private var operations: [String] = []
  /// The rectangle of the QR code and the printed link, for the link annotation.
  private var linkArea = ""

  private init(
    sheet: AttestationSheet, language: PageLanguage, link: VerificationLink, code: QRCode,
    version: AttestationLayoutVersion
  ) {
    self.sheet = sheet
    self.language = language
    self.link = link
    self.code = code
    self.version = version
  }

  private var french: Bool { language == .french }

  /// The page's content stream, and the rectangle (`x1 y1 x2 y2`) of the QR code and its link.
  ///
  /// - Throws: `DocumentError.doesNotFit` when the fields cannot fit above the QR block even at
  ///   the smallest size (never for values within the registry's length limits).
  static func draw(
    _ sheet: AttestationSheet, language: PageLanguage, link: VerificationLink, code: QRCode,
    version: AttestationLayoutVersion
  ) throws(DocumentError) -> (content: [UInt8], linkArea: String) {
    var layout = AttestationLayout(
      sheet: sheet, language: language, link: link, code: code, version: version)
    let content = try layout.contentStream()
    return (content, layout.linkArea)
  }

  /// The lowest baseline the fields may reach: the QR block (at most 150 points of code, its
  /// quiet zone and the text beside it) and the notice at the foot stay below.
  private static let fieldsFloor = 300.0

  /// The size of the fields' values: 11.5 points, or for the fitted layout the largest of a few
  /// smaller sizes at which every field fits above ``fieldsFloor``.
  private func valueSize(startingAt top: Double) throws(DocumentError) -> Double {
    guard version == .fitted else { return 11.5 }
    let width = Self.right - Self.valueColumn
    for size in [11.5, 10.5, 9.5, 8.5, 7.5, 7] {
      let height = fields.reduce(0.0) { total, field in
        total + Double(Self.wrap(field.1, field.2, size, width: width).count) * (size * 1.3) + 6
      }
      if top - height >= Self.fieldsFloor { return size }
    }
    throw .doesNotFit("the service's name, address and evaluator are too long for one page")
  }

  private mutating func contentStream() throws(DocumentError) -> [UInt8] {
    var y = Self.pageHeight - 76
    text("AMEXIST", .bold, 28, x: Self.left, y: y, colour: Self.green)
    y -= 26
    text(
      french ? "Attestation de niveau du label" : "Label level attestation", .bold, 17,
      x: Self.left, y: y)
    y -= 20
    y = paragraph(
      french
        ? "Registre public du label AMEXIST des services de prévention et de santé au travail "
          + "interentreprises, tenu par leur fédération nationale."
        : "Public register of the AMEXIST label of inter-company occupational health services, "
          + "kept by their national federation.",
      .regular, 10, x: Self.left, y: y, width: Self.right - Self.left, colour: "0.3 0.3 0.3")
    y -= 10
    rule(y: y)
    y -= 24
    let size = try valueSize(startingAt: y)
    // The first layout's 15-point lines, kept for what it issued.
    let lineHeight = version == .first ? 15 : size * 1.3
    for (label, value, font) in fields {
      let lines = Self.wrap(value, font, size, width: Self.right - Self.valueColumn)
      text(label, .regular, 9.5, x: Self.left, y: y + 0.5, colour: "0.3 0.3 0.3")
      for line in lines {
        text(line, font, size, x: Self.valueColumn, y: y)
        y -= lineHeight
      }
      y -= 6
    }
    y -= 4
    rule(y: y)
    y -= 18
    drawCode(top: y)
    return Array(operations.joined(separator: "\n").utf8) + [0x0A]
  }

  /// Who decided the level: the certifying body, with its accreditation, when it signed the
  /// decision; else the evaluator named (or the federation).
  private var evaluatorField: (String, String, PDFFont) {
    let claims = sheet.claims
    guard let body = claims.certification else {
      return (
        french ? "Évaluateur" : "Evaluator", Words.evaluator(claims.evaluator, language), .regular
      )
    }
    return (french ? "Certifié par" : "Certified by", Words.certifiedBy(body, language), .regular)
  }

  /// Label, value and the value's font, in page order.
  private var fields: [(String, String, PDFFont)] {
    let claims = sheet.claims
    let notGiven = french ? "non renseignée" : "not given"
    let level =
      (french ? "Niveau \(claims.level.rawValue) : " : "Level \(claims.level.rawValue): ")
      + Words.level(claims.level, language)
    return [
      (french ? "Service" : "Service", claims.name, .bold),
      ("SIRET", claims.siret.formatted, .regular),
      (french ? "Adresse" : "Address", claims.address ?? notGiven, .regular),
      (french ? "Niveau" : "Level", level, .bold),
      (
        french ? "Décision du" : "Decided on", DateWords.date(claims.decisionDate, language),
        .regular
      ),
      (
        french ? "Niveau valable" : "Level valid",
        (french ? "du " : "from ") + DateWords.date(claims.levelValidFrom, language)
          + (french ? " au " : " to ") + DateWords.date(claims.levelValidUntil, language),
        .regular
      ),
      evaluatorField,
      (
        french ? "Délivrée le" : "Issued", DateWords.instant(claims.validFrom, language),
        .regular
      ),
      (
        french ? "Émetteur" : "Issuer",
        // The fitted layout names the issuing organisation when the credential does.
        version == .fitted
          ? claims.issuerName.map { "\($0) (\(claims.issuer))" } ?? claims.issuer
          : claims.issuer, .regular
      ),
      (french ? "Identifiant" : "Attestation id", sheet.uuid, .regular),
      (
        french ? "Clé de signature" : "Signing key",
        "\(sheet.kid) (\(sheet.algorithm.rawValue))", .regular
      ),
      (
        french ? "Journal public" : "Public log",
        (french ? "entrée n° \(sheet.logIndex) du journal " : "entry \(sheet.logIndex) of the log ")
          + sheet.logOrigin, .regular
      ),
    ]
  }

  /// The QR code on the left (four light modules of quiet zone), how to verify on the right,
  /// the notice at the foot of the page.
  private mutating func drawCode(top: Double) {
    let module = min(3.6, 150 / Double(code.size))
    let quiet = 4 * module
    let side = Double(code.size) * module
    let originX = Self.left + quiet
    let originY = top - quiet - side
    var rectangles: [String] = []
    for row in 0..<code.size {
      var column = 0
      while column < code.size {
        guard code[x: column, y: row] else {
          column += 1
          continue
        }
        var end = column
        while end < code.size, code[x: end, y: row] { end += 1 }
        rectangles.append(
          "\(PDFText.number(originX + Double(column) * module)) "
            + "\(PDFText.number(originY + side - Double(row + 1) * module)) "
            + "\(PDFText.number(Double(end - column) * module)) \(PDFText.number(module)) re")
        column = end
      }
    }
    operations.append("0 g")
    operations += rectangles
    operations.append("f")
    let textX = originX + side + quiet + 6
    let width = Self.right - textX
    var y = top - 16
    text(
      french ? "Vérifier cette attestation" : "Verify this attestation", .bold, 13, x: textX, y: y)
    y -= 18
    y = paragraph(
      french
        ? "Scannez le code ou ouvrez le lien : le registre affiche son statut en vigueur."
        : "Scan the code or open the link: the registry shows its current status.",
      .regular, 10, x: textX, y: y, width: width)
    y -= 2
    // The link on one line when a size of at least 7 points allows: a URL broken across lines
    // is read wrong.
    let linkSize = max(7, min(10, (width / PDFFont.bold.width(link.description, size: 100) * 100)))
    y = paragraph(
      link.description, .bold, (linkSize * 10).rounded(.down) / 10, x: textX, y: y, width: width,
      colour: Self.green)
    y -= 8
    y = paragraph(
      french
        ? "Hors ligne : ce PDF contient l'attestation signée et sa preuve d'inscription au "
          + "journal public (pièce jointe \(sheet.bundleFileName)). Vérifiez-le avec la commande "
          + "« amexist verify » et le fichier de confiance publié par la fédération."
        : "Offline: this PDF carries the signed attestation and its proof of entry in the public "
          + "log (attachment \(sheet.bundleFileName)). Verify it with the command "
          + "\u{201C}amexist verify\u{201D} and the trust file the federation publishes.",
      .regular, 9, x: textX, y: y, width: width, colour: "0.3 0.3 0.3")
    let bottom = min(originY - quiet, y)
    linkArea =
      "\(PDFText.number(Self.left)) \(PDFText.number(bottom)) "
      + "\(PDFText.number(Self.right)) \(PDFText.number(top))"
    _ = paragraph(
      french
        ? "Seule la vérification fait foi : une copie papier ou une image peut avoir été modifiée. "
          + "Un niveau suspendu, retiré ou remplacé après la date de délivrance apparaît en ligne."
        : "Only verification is authoritative: a paper copy or an image may have been altered. "
          + "A level suspended, withdrawn or replaced after the date of issue shows online.",
      .regular, 8, x: Self.left, y: 56.69 + 12, width: Self.right - Self.left,
      colour: "0.3 0.3 0.3")
  }

  private mutating func text(
    _ text: String, _ font: PDFFont, _ size: Double, x: Double, y: Double, colour: String = "0 0 0"
  ) {
    let name = font == .regular ? "/F1" : "/F2"
    operations.append(
      "BT \(name) \(PDFText.number(size)) Tf \(colour) rg \(PDFText.number(x)) "
        + "\(PDFText.number(y)) Td \(PDFText.literal(WinAnsi.encode(text))) Tj ET")
  }

  /// Writes `text` wrapped to `width`; returns the baseline below the last line.
  private mutating func paragraph(
    _ text: String, _ font: PDFFont, _ size: Double, x: Double, y: Double, width: Double,
    colour: String = "0 0 0"
  ) -> Double {
    var y = y
    for line in Self.wrap(text, font, size, width: width) {
      self.text(line, font, size, x: x, y: y, colour: colour)
      y -= size * 1.3
    }
    return y
  }

  private mutating func rule(y: Double) {
    operations.append(
      "0.75 G 0.5 w \(PDFText.number(Self.left)) \(PDFText.number(y)) m "
        + "\(PDFText.number(Self.right)) \(PDFText.number(y)) l S")
  }

  /// Lines of `text` no wider than `width`: broken at spaces, and inside a word (a URL, an id)
  /// only when the word alone is too wide.
  static func wrap(_ text: String, _ font: PDFFont, _ size: Double, width: Double) -> [String] {
    var lines: [String] = []
    var current = ""
    var currentWidth = 0.0
    let space = font.width(" ", size: size)
    for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
      let wordWidth = font.width(word, size: size)
      if current.isEmpty, wordWidth <= width {
        (current, currentWidth) = (word, wordWidth)
        continue
      }
      if !current.isEmpty, currentWidth + space + wordWidth <= width {
        current += " " + word
        currentWidth += space + wordWidth
        continue
      }
      if !current.isEmpty { lines.append(current) }
      (current, currentWidth) = ("", 0)
      for character in word {
        let characterWidth = font.width(String(character), size: size)
        if currentWidth + characterWidth > width, !current.isEmpty {
          lines.append(current)
          (current, currentWidth) = ("", 0)
        }
        current.append(character)
        currentWidth += characterWidth
      }
    }
    if !current.isEmpty || lines.isEmpty { lines.append(current) }
    return lines
  }
}
