/// What migfsm knows about kernel functions a driver calls but does not
/// define: which end or start a data session (`fput`,
/// `anon_inode_getfile`), which build and test error pointers, which warn,
/// and which cannot fail in a way a migration step must report (locking,
/// logging, freeing, MMIO, list and work-queue helpers).
///
/// A call to a function that is neither defined in the driver's files, nor
/// declared in a header read, nor listed here is one migfsm cannot see
/// into: a note, never a guess.
public enum KernelAPI {
    /// What a known kernel function is to the audit.
    public enum Role: Hashable, Sendable {
        /// Releases a reference to a session's file: `fput`.
        case releasesSession
        /// Creates a session's file: `anon_inode_getfile`.
        case createsSession
        /// `ERR_PTR`, `ERR_CAST`: makes an error pointer.
        case makesError
        /// `IS_ERR`, `PTR_ERR`, `PTR_ERR_OR_ZERO`: tests or unwraps one.
        case testsError
        /// `WARN_ON(true)`, `BUG()`: marks a branch the code never expects.
        case warns
        /// `dev_err`, `pr_warn`: only logs.
        case logs
        /// Anything whose result is no failure of the migration step.
        case cannotFail
    }

    public static func role(_ name: String) -> Role? {
        if let role = roles[name] { return role }
        for prefix in loggingPrefixes where name.hasPrefix(prefix) { return .logs }
        for prefix in harmlessPrefixes where name.hasPrefix(prefix) { return .cannotFail }
        return nil
    }

    static let loggingPrefixes = ["dev_dbg", "dev_info", "dev_notice", "dev_warn", "dev_err", "dev_crit", "dev_emerg",
                                  "pr_debug", "pr_info", "pr_notice", "pr_warn", "pr_err", "pr_crit", "pr_emerg",
                                  "netdev_", "pci_dbg", "pci_info", "pci_warn", "pci_err", "printk", "trace_"]
    static let harmlessPrefixes = ["mutex_", "spin_lock", "spin_unlock", "raw_spin_", "read_lock", "read_unlock",
                                   "write_lock", "write_unlock", "lockdep_", "atomic_", "list_", "hlist_", "INIT_",
                                   "init_", "rcu_", "kref_get", "refcount_", "iowrite", "ioread",
                                   "memcpy", "memset", "memmove", "memzero", "kfree", "kvfree", "vfree", "wake_up",
                                   "complete", "set_bit", "clear_bit", "__set_bit", "__clear_bit", "test_bit",
                                   "dma_unmap", "dma_free", "dma_sync", "sg_free", "sg_init", "cancel_", "flush_",
                                   "del_timer", "timer_", "msleep", "usleep", "udelay", "mdelay", "ndelay",
                                   "might_sleep", "cond_resched", "synchronize_", "smp_", "barrier", "min", "max",
                                   "clamp", "BUILD_BUG", "static_assert", "container_of", "offsetof", "ARRAY_SIZE",
                                   "cpu_to_", "le16_to", "le32_to", "le64_to", "be16_to", "be32_to", "be64_to",
                                   "lower_32_bits", "upper_32_bits", "FIELD_", "GENMASK", "BIT", "U32_MAX"]

    static let roles: [String: Role] = {
        var roles: [String: Role] = [:]
        for name in ["fput", "fdput"] { roles[name] = .releasesSession }
        for name in ["anon_inode_getfile", "anon_inode_getfd", "anon_inode_create_getfile", "anon_inode_getfile_fmode"] {
            roles[name] = .createsSession
        }
        for name in ["ERR_PTR", "ERR_CAST"] { roles[name] = .makesError }
        for name in ["IS_ERR", "IS_ERR_OR_NULL", "PTR_ERR", "PTR_ERR_OR_ZERO"] { roles[name] = .testsError }
        for name in ["WARN_ON", "WARN_ON_ONCE", "WARN", "WARN_ONCE", "BUG", "BUG_ON", "dev_WARN", "dev_WARN_ONCE"] {
            roles[name] = .warns
        }
        for name in ["get_file", "stream_open", "nonseekable_open", "fd_install", "put_unused_fd", "get_unused_fd_flags",
                     "likely", "unlikely", "READ_ONCE", "WRITE_ONCE", "kzalloc", "kmalloc", "kcalloc", "kvzalloc",
                     "kvmalloc", "vzalloc", "vmalloc", "kzalloc_obj", "kmalloc_array", "kvcalloc", "devm_kzalloc",
                     "get_device", "put_device", "pci_get_drvdata", "pci_set_drvdata", "dev_get_drvdata",
                     "dev_set_drvdata", "to_pci_dev", "pci_physfn", "pci_iov_vf_id", "pci_dev_put", "pci_dev_get",
                     "copy_to_user", "copy_from_user", "check_add_overflow", "check_mul_overflow",
                     "array_size", "struct_size", "sizeof", "offsetofend", "destroy_workqueue", "queue_work",
                     "schedule_work", "mutex_trylock", "test_and_set_bit", "test_and_clear_bit", "jiffies_to_msecs",
                     "msecs_to_jiffies", "time_after", "time_before", "ktime_get", "get_random_u32", "compat_ptr_ioctl",
                     "mmget_not_zero", "mmput", "kthread_stop", "vfio_device_put_registration", "noop_llseek",
                     "writel", "writeq", "writew", "writeb", "readl", "readq", "readw", "readb", "writel_relaxed",
                     "writeq_relaxed", "readl_relaxed", "readq_relaxed"] {
            roles[name] = .cannotFail
        }
        return roles
    }()
}
