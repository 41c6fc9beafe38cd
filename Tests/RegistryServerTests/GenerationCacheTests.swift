import Testing

@testable import RegistryServer

/// What the cached replies' fast path relies on: a value is known only for the log size it was
/// built at and while it is young enough; the log size only while recently read.
@Suite("Replies kept per log size")
struct GenerationCacheTests {
  @Test("a kept value is known at its own generation only, and not once too old")
  func knownValues() async throws {
    let cache = GenerationCache<String>(capacity: 8, maximumAge: .seconds(60))
    #expect(cache.known("page", generation: 3) == nil)
    #expect(try await cache.value("page", generation: 3) { "built at 3" } == "built at 3")
    #expect(cache.known("page", generation: 3) == "built at 3")
    #expect(cache.known("page", generation: 4) == nil)
    #expect(cache.known("other", generation: 3) == nil)
    // Built again for a new generation, and not rebuilt while it is kept.
    #expect(try await cache.value("page", generation: 4) { "built at 4" } == "built at 4")
    #expect(try await cache.value("page", generation: 4) { "not used" } == "built at 4")
    #expect(cache.known("page", generation: 4, now: .now + .seconds(61)) == nil)
  }

  @Test("the log size is known only between a read and the next refresh")
  func knownGeneration() async throws {
    let generation = LogGeneration(refreshInterval: .seconds(60))
    #expect(generation.known() == nil)
    #expect(try await generation.current { 7 } == 7)
    #expect(generation.known() == 7)
    generation.invalidate()
    #expect(generation.known() == nil)
    #expect(try await generation.current { 8 } == 8)
    #expect(generation.known() == 8)

    let alwaysRead = LogGeneration(refreshInterval: .zero)
    #expect(try await alwaysRead.current { 1 } == 1)
    #expect(alwaysRead.known() == nil)
  }
}
