import Yams

/// The API page's content, read from the OpenAPI document the server serves, so that the page
/// and the document never disagree: every operation in the document's order, with its
/// parameters, request body and responses.
struct APIReference: Sendable {
  /// One documented operation.
  struct Operation: Sendable {
    let method: String
    let path: String
    let summary: String
    let description: String
    /// Each parameter: name, where it goes, whether required, its values, what it means.
    let parameters: [[String: String]]
    /// The media types a request body may have.
    let bodyTypes: [String]
    /// Each response: status, what it means, its media types.
    let responses: [[String: String]]
    /// Whether it needs an admin token.
    let needsToken: Bool
  }

  let version: String
  let operations: [Operation]

  /// The reference of the OpenAPI document `yaml`.
  ///
  /// - Throws: when the document is not YAML (the server refuses to start then, as for any
  ///   resource it cannot read).
  init(yaml: String) throws {
    let root = try Yams.compose(yaml: yaml)
    version = root?["info"]?["version"]?.string ?? ""
    let components = root?["components"]
    var operations: [Operation] = []
    for (pathNode, item) in root?["paths"]?.mapping ?? [:] {
      guard let path = pathNode.string else { continue }
      for (methodNode, operation) in item.mapping ?? [:] {
        guard let method = methodNode.string else { continue }
        let parameters = (operation["parameters"]?.sequence.map(Array.init) ?? []).map {
          Self.resolve($0, in: components)
        }
        let responses = (operation["responses"]?.mapping.map(Array.init) ?? []).map {
          status, response in
          let resolved = Self.resolve(response, in: components)
          return [
            "status": status.string ?? "",
            "description": response["description"]?.string ?? resolved["description"]?.string
              ?? "",
            "types": Self.keys(resolved["content"]).joined(separator: ", "),
          ]
        }
        operations.append(
          Operation(
            method: method.uppercased(), path: path, summary: operation["summary"]?.string ?? "",
            description: operation["description"]?.string ?? "",
            parameters: parameters.map { parameter in
              [
                "name": parameter["name"]?.string ?? "", "in": parameter["in"]?.string ?? "",
                "required": parameter["required"]?.bool == true ? "✔" : "",
                "values": Self.values(parameter["schema"]),
                "description": parameter["description"]?.string ?? "",
              ]
            },
            bodyTypes: Self.keys(operation["requestBody"]?["content"]),
            responses: responses,
            needsToken: operation["security"] != nil))
      }
    }
    self.operations = operations
  }

  /// `node`, or what its `$ref` (`#/components/…`) names.
  private static func resolve(_ node: Node, in components: Node?) -> Node {
    guard let reference = node["$ref"]?.string, reference.hasPrefix("#/components/") else {
      return node
    }
    var target = components
    for part in reference.dropFirst("#/components/".count).split(separator: "/") {
      target = target?[String(part)]
    }
    return target ?? node
  }

  private static func keys(_ node: Node?) -> [String] {
    node?.mapping?.keys.compactMap(\.string) ?? []
  }

  /// A schema's values in a few words: its type, allowed values, pattern and bounds.
  private static func values(_ schema: Node?) -> String {
    guard let schema else { return "" }
    if let reference = schema["$ref"]?.string {
      return String(reference.split(separator: "/").last ?? "")
    }
    var words: [String] = []
    if let type = schema["type"]?.string { words.append(type) }
    if let values = schema["enum"]?.sequence {
      words.append(
        "one of "
          + values.map { $0.string.map { $0.isEmpty ? "(empty)" : $0 } ?? "" }
          .joined(separator: ", "))
    }
    if let pattern = schema["pattern"]?.string { words.append("pattern " + pattern) }
    if let format = schema["format"]?.string { words.append(format) }
    let minimum = schema["minimum"]?.string
    let maximum = schema["maximum"]?.string
    if minimum != nil || maximum != nil {
      words.append("\(minimum ?? "…") to \(maximum ?? "…")")
    }
    if let length = schema["maxLength"]?.string { words.append("at most \(length) characters") }
    return words.joined(separator: ", ")
  }
}
