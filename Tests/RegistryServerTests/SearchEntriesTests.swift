import AmexistDomain
import RegistryService
import RegistryTesting
import Testing

@testable import RegistryServer

/// The search's entries, kept per chunk of states between writes.
@Suite("Search entries kept between writes")
struct SearchEntriesTests {
  /// The positions whose folded name contains `text` (folded).
  static func positions(_ list: SearchList, named text: String) -> [Int] {
    let needle = SearchText.fold(text)
    return list.positions { SearchText.contains($0.name, needle) }
  }

  @Test(
    "after a rename and an append across chunks, the entries are those built from scratch; untouched chunks keep their entries"
  )
  func incrementalEqualsFresh() {
    let size = ServiceStateList.chunkSize
    let kept = SearchEntries()
    var states = ServiceStateList((0..<2 * size + 7).map { TestValues.registeredState($0) })
    let first = SearchList(states: states, entries: kept.entries(states))
    #expect(Self.positions(first, named: "service 1030") == [1030])
    states.replace([1030: TestValues.registeredState(1030, name: "Santé Travail Écluse")])
    states.append(contentsOf: [
      TestValues.registeredState(2 * size + 7, name: "Nouvelle ÉCLUSE Nord")
    ])
    let second = SearchList(states: states, entries: kept.entries(states))
    let fresh = SearchList(states: states, entries: SearchEntries().entries(states))
    #expect(Self.positions(second, named: "service 1030").isEmpty)
    #expect(Self.positions(second, named: "ecluse") == [1030, 2 * size + 7])
    #expect(second.entries.map { $0.map(\.nameText) } == fresh.entries.map { $0.map(\.nameText) })
    #expect(second.entries.map { $0.map(\.name) } == fresh.entries.map { $0.map(\.name) })
    #expect(second.entries.map { $0.map(\.siret) } == states.chunks.map { $0.states.map(\.siret) })
    // The first chunk was not rebuilt: its folded names are the very buffers built before.
    let shared = zip(first.entries[0], second.entries[0]).allSatisfy { before, after in
      before.name.withUnsafeBufferPointer { a in
        after.name.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress }
      }
    }
    #expect(shared)
  }
}
