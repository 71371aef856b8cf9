import Foundation
import XCTest

/// The real 6.12 kernel files the tests read: Debian's linux-source-6.12,
/// extracted by `scripts/kernel-source` under `.build/kernel-source/`, or the
/// tree `$MIGFSM_KERNEL_TREE` names. Never part of the repository.
enum KernelTree {
    /// The tree's root, or `nil` when neither place holds one.
    static let root: URL? = {
        var candidates: [URL] = []
        if let named = ProcessInfo.processInfo.environment["MIGFSM_KERNEL_TREE"], !named.isEmpty {
            candidates.append(URL(fileURLWithPath: named))
        }
        candidates.append(Repository.root.appendingPathComponent(".build/kernel-source/linux-source-6.12"))
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("drivers/vfio/vfio_main.c").path)
        }
    }()

    /// The path of `relative` in the tree; skips the calling test with a
    /// message saying how to get the tree when it is absent.
    static func path(_ relative: String) throws -> String {
        guard let root else {
            throw XCTSkip("no kernel tree: run scripts/kernel-source (needs Debian's linux-source-6.12) or set MIGFSM_KERNEL_TREE")
        }
        return root.appendingPathComponent(relative).path
    }
}
