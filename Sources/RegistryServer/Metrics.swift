import Prometheus
import Synchronization

/// The server's Prometheus metrics, labelled by route template (never by raw path, so that
/// random paths cannot grow the label set).
final class ServerMetrics: Sendable {
  let registry = PrometheusCollectorRegistry()
  /// Each label set's request counter and duration histogram, made on first use.
  private let series = Mutex<[Key: (Counter, DurationHistogram)]>([:])
  let rateLimited: Counter
  let authFailures: Counter
  /// Entries in the verified log.
  let logEntries: Gauge
  /// Seconds since the newest entry, whose checkpoint was signed in the same transaction.
  let checkpointAge: Gauge
  /// 1 when `/readyz` would answer 200.
  let ready: Gauge
  /// Database connections lent out and requests waiting for one (PostgreSQL).
  let connectionsInUse: Gauge
  let connectionsWaiting: Gauge

  struct Key: Hashable {
    let route: String
    let method: String
    let status: Int
  }

  private static let buckets: [Duration] = [
    .microseconds(250), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
    .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
  ]

  init() {
    rateLimited = registry.makeCounter(
      descriptor: .init(
        namespace: "amexist", metricName: "http_rate_limited", unitName: "total",
        helpText: "Requests refused with 429."))
    authFailures = registry.makeCounter(
      descriptor: .init(
        namespace: "amexist", metricName: "admin_auth_failures", unitName: "total",
        helpText: "Admin requests with a refused token."))
    let registry = self.registry
    func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
      registry.makeGauge(
        descriptor: .init(namespace: "amexist", metricName: name, unitName: unit, helpText: help))
    }
    logEntries = gauge("log_entries", "", "Entries in the verified log.")
    checkpointAge = gauge(
      "checkpoint_age", "seconds", "Time since the newest entry and its signed checkpoint.")
    ready = gauge("ready", "", "1 when the store and the signer answer, else 0.")
    connectionsInUse = gauge("db_connections_in_use", "", "Database connections lent out.")
    connectionsWaiting = gauge(
      "db_connections_waiting", "", "Requests waiting for a database connection.")
  }

  /// Records one answered request.
  func record(route: String, method: String, status: Int, duration: Duration) {
    let key = Key(route: route, method: method, status: status)
    let (counter, histogram) = series.withLock { series in
      if let known = series[key] { return known }
      let labels = [("route", route), ("method", method), ("status", String(status))]
      let made = (
        registry.makeCounter(
          descriptor: .init(
            namespace: "amexist", metricName: "http_requests", unitName: "total",
            helpText: "Requests answered."), labels: labels),
        registry.makeDurationHistogram(
          descriptor: .init(
            namespace: "amexist", metricName: "http_request_duration", unitName: "seconds",
            helpText: "Time to answer a request."), labels: labels, buckets: Self.buckets)
      )
      series[key] = made
      return made
    }
    counter.increment()
    histogram.record(duration)
  }

  /// The metrics in Prometheus' text exposition format.
  func exposition() -> [UInt8] { registry.emitToBuffer() }
}
