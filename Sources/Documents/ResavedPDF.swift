import Attestation
import CompressNIO
import Foundation
import NIOCore

/// The bundle attached to a printed attestation that another program re-saved (a PDF viewer,
/// `qpdf`): the file is no longer the registry's, so its page cannot be checked, but the
/// attestation it carries can still be verified on its own.
///
/// This reads one thing only: the stream of the single object whose dictionary says
/// `/Type /EmbeddedFile`, with a direct `/Length` and no filter or `/FlateDecode` (what PDF
/// writers produce); anything else gives nil. The bundle is then verified like any other, so
/// nothing here is trusted.
enum ResavedPDF {
  /// The attached bundle's bytes, or nil when none can be read.
  static func attachedBundle(of pdf: [UInt8]) -> [UInt8]? {
    guard pdf.count <= AttestationPDF.maximumSize, pdf.starts(with: Array("%PDF-".utf8)) else {
      return nil
    }
    let marker = Array("/Type /EmbeddedFile".utf8)
    guard let at = firstOccurrence(of: marker, in: pdf),
      firstOccurrence(of: marker, in: pdf, from: at + 1) == nil
    else { return nil }
    // The dictionary holding the marker: from the last `<<` that opens it to `stream`.
    guard let open = lastOccurrence(of: Array("obj".utf8), in: pdf, before: at),
      let streamKeyword = firstOccurrence(of: Array("stream".utf8), in: pdf, from: at),
      streamKeyword - open < 1024
    else { return nil }
    let dictionary = String(decoding: pdf[open..<streamKeyword], as: UTF8.self)
    guard let length = directInteger(after: "/Length ", in: dictionary), length >= 0 else {
      return nil
    }
    let compressed: Bool
    if dictionary.contains("/Filter") {
      guard dictionary.contains("/Filter /FlateDecode"), !dictionary.contains("/DecodeParms")
      else { return nil }
      compressed = true
    } else {
      compressed = false
    }
    var start = streamKeyword + 6
    if start < pdf.count, pdf[start] == 0x0D { start += 1 }
    guard start < pdf.count, pdf[start] == 0x0A else { return nil }
    start += 1
    guard start + length <= pdf.count else { return nil }
    let stream = Array(pdf[start..<(start + length)])
    guard compressed else {
      return stream.count <= AttestationBundle.maximumSize ? stream : nil
    }
    var buffer = ByteBuffer(bytes: stream)
    guard
      let inflated = try? buffer.decompress(
        with: .zlib(), maxSize: AttestationBundle.maximumSize, allocator: ByteBufferAllocator())
    else { return nil }
    return Array(inflated.readableBytesView)
  }

  /// The integer written right after `key` in `dictionary` (not an indirect reference).
  private static func directInteger(after key: String, in dictionary: String) -> Int? {
    guard let range = dictionary.range(of: key) else { return nil }
    let rest = dictionary[range.upperBound...]
    let digits = rest.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, digits.count <= 7 else { return nil }
    let after = rest.dropFirst(digits.count).drop { $0 == " " }
    // `12 0 R` is a reference to another object: not followed here.
    if after.first?.isNumber == true { return nil }
    return Int(digits)
  }

  private static func firstOccurrence(of needle: [UInt8], in haystack: [UInt8], from start: Int = 0)
    -> Int?
  {
    var index = start
    while index + needle.count <= haystack.count {
      if haystack[index] == needle[0],
        haystack[index..<(index + needle.count)].elementsEqual(needle)
      {
        return index
      }
      index += 1
    }
    return nil
  }

  private static func lastOccurrence(of needle: [UInt8], in haystack: [UInt8], before end: Int)
    -> Int?
  {
    var index = end - needle.count
    while index >= 0, end - index < 1024 {
      if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
      index -= 1
    }
    return nil
  }
}
