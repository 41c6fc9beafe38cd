/// A record of a CSV file with the line it starts on.
public struct CSVRecord: Hashable, Sendable {
  /// 1-based line number of the record's first character.
  public let line: Int
  public let fields: [String]
}

/// Why a CSV file could not be read.
public struct CSVError: Error, Hashable, Sendable, CustomStringConvertible {
  public let line: Int
  public let reason: String
  public var description: String { "line \(line): \(reason)" }
}

/// Reads and writes RFC 4180 CSV.
///
/// Written here because the CSV readers available to the project do not report the source line
/// of each record, and silently accept a quote inside an unquoted field; an import must do both
/// to say exactly which row is wrong. Accepts CRLF or LF line ends, a UTF-8 byte order mark,
/// and `;` as the separator when the header uses it (as French spreadsheets export).
public enum CSV {
  /// Parses `text` into records, skipping blank lines.
  ///
  /// - Throws: ``CSVError`` for an unterminated quoted field or a stray quote.
  public static func parse(_ text: String) throws(CSVError) -> [CSVRecord] {
    var scalars = Array(text.unicodeScalars)
    if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
    let firstLine = scalars.prefix { $0 != "\n" }
    let separator: Unicode.Scalar = firstLine.contains(";") && !firstLine.contains(",") ? ";" : ","

    var records: [CSVRecord] = []
    var fields: [String] = []
    var field = String.UnicodeScalarView()
    var line = 1
    var recordLine = 1
    var index = 0
    var quoted = false
    var fieldWasQuoted = false

    func endRecord() {
      fields.append(String(field))
      field = String.UnicodeScalarView()
      if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
        records.append(CSVRecord(line: recordLine, fields: fields))
      }
      fields = []
      fieldWasQuoted = false
    }

    while index < scalars.count {
      let scalar = scalars[index]
      index += 1
      if quoted {
        if scalar == "\"" {
          if index < scalars.count, scalars[index] == "\"" {
            field.append("\"")
            index += 1
          } else {
            quoted = false
            if index < scalars.count, ![separator, "\n", "\r"].contains(scalars[index]) {
              throw CSVError(line: line, reason: "unexpected character after a closing quote")
            }
          }
        } else {
          if scalar == "\n" { line += 1 }
          field.append(scalar)
        }
        continue
      }
      switch scalar {
      case "\"":
        guard field.isEmpty else {
          throw CSVError(line: line, reason: "a quote inside an unquoted field")
        }
        quoted = true
        fieldWasQuoted = true
      case separator:
        fields.append(String(field))
        field = String.UnicodeScalarView()
      case "\r":
        guard index < scalars.count, scalars[index] == "\n" else {
          throw CSVError(line: line, reason: "a carriage return outside a quoted field")
        }
      case "\n":
        endRecord()
        line += 1
        recordLine = line
      default:
        field.append(scalar)
      }
    }
    guard !quoted else { throw CSVError(line: recordLine, reason: "a quoted field is not closed") }
    if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
    return records
  }

  /// One CSV line (without its line end) for `fields`, quoting those that need it.
  ///
  /// Works on Unicode scalars, as ``parse(_:)`` does: a separator or quote followed by a
  /// combining mark is one `Character` but still a separator or quote to the reader.
  public static func line(_ fields: [String], separator: Character = ",") -> String {
    // A lone empty field is written quoted: an empty line would read back as no record.
    if fields == [""] { return "\"\"" }
    let special: Set<Unicode.Scalar> = [",", "\"", "\n", "\r", ";"]
    return fields.map { field in
      guard field.unicodeScalars.contains(where: special.contains) else { return field }
      var quoted = String.UnicodeScalarView()
      quoted.append("\"")
      for scalar in field.unicodeScalars {
        if scalar == "\"" { quoted.append("\"") }
        quoted.append(scalar)
      }
      quoted.append("\"")
      return String(quoted)
    }.joined(separator: String(separator))
  }

  /// The first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
  /// Injection"): `=`, `+`, `-`, `@`, tab and carriage return.
  static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

  /// `cell` made inert for spreadsheets: a cell that would start a formula is prefixed with `'`,
  /// which spreadsheets show as text. ``readingNeutralised(_:)`` takes the prefix off again.
  public static func neutralised(_ cell: String) -> String {
    guard let first = cell.unicodeScalars.first, formulaStarts.contains(first) else { return cell }
    return "'" + cell
  }

  /// A cell as written by ``neutralised(_:)``, read back.
  public static func readingNeutralised(_ cell: String) -> String {
    let scalars = cell.unicodeScalars
    guard scalars.first == "'", let second = scalars.dropFirst().first,
      formulaStarts.contains(second)
    else { return cell }
    return String(scalars.dropFirst())
  }
}
