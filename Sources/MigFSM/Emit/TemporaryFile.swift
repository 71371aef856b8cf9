import Foundation

/// A temporary file `OutputFolder.createExclusive` made, open for writing.
struct TemporaryFile {
    let folder: OutputFolder
    let name: String
    let descriptor: Int32

    /// Writes `bytes` whole, flushes them to disk and closes the file; on
    /// failure removes it and throws the reason.
    func write(_ bytes: [UInt8]) throws(GenerateError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = OutputFolder.lastError()
                Foundation.close(descriptor)
                unlinkat(folder.descriptor, name, 0)
                throw GenerateError(reason)
            }
            offset += count
        }
        if fsync(descriptor) != 0 && errno != EINVAL {
            let reason = OutputFolder.lastError()
            Foundation.close(descriptor)
            unlinkat(folder.descriptor, name, 0)
            throw GenerateError(reason)
        }
        if Foundation.close(descriptor) != 0 {
            let reason = OutputFolder.lastError()
            unlinkat(folder.descriptor, name, 0)
            throw GenerateError(reason)
        }
    }
}
