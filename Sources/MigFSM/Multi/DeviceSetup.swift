/// One device of a VM: which driver and feature set it runs.
public struct DeviceSetup: Sendable {
    public var driver: DriverDescription
    /// The driver file, or `nil` for the default driver.
    public var driverPath: String?
    public var features: FeatureSet

    public init(driver: DriverDescription, driverPath: String?, features: FeatureSet) {
        self.driver = driver
        self.driverPath = driverPath
        self.features = features
    }

    /// Devices with equal identities are interchangeable.
    var identity: String { (driverPath ?? "default") + "#\(features.rawValue)" }
}
