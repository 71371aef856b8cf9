/// A link from one file of the output to another file, as a relative path
/// that does not depend on how either was spelled on the command line:
/// both are resolved against the working folder and normalized (`.` and
/// `..` removed) first.
///
///     RelativeLink.path(from: "../Generated/docs", to: "vfio-v2.fsm", currentDirectory: "/repo/Specs")
///     // "../../Specs/vfio-v2.fsm"
public enum RelativeLink {
    /// The path of `file` relative to the folder `directory`.
    public static func path(from directory: String, to file: String, currentDirectory: String) -> String {
        let base = components(directory, currentDirectory)
        let target = components(file, currentDirectory)
        var shared = 0
        while shared < base.count, shared < target.count - 1, base[shared] == target[shared] { shared += 1 }
        let up = Array(repeating: "..", count: base.count - shared)
        return (up + target[shared...]).joined(separator: "/")
    }

    /// The components of `path` made absolute against `currentDirectory`,
    /// with `.` and `..` resolved lexically.
    static func components(_ path: String, _ currentDirectory: String) -> [String] {
        let absolute = path.hasPrefix("/") ? path : currentDirectory + "/" + path
        var result: [String] = []
        for part in absolute.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !result.isEmpty { result.removeLast() }
            default: result.append(String(part))
            }
        }
        return result
    }
}
