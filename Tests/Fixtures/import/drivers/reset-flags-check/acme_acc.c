// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture for migfsm audit-driver, written for migfsm (no kernel code):
 * an accelerator VF driver in the shape of drivers/vfio/pci/hisilicon/
 * hisi_acc_vfio_pci.c as upstream had it between the commit that added
 * PRE_COPY to that driver and "hisi_acc_vfio_pci: update status after RAS
 * error" (Longfang Liu, January 2026). Probe sets STOP_COPY | PRE_COPY,
 * but hisi_acc_vf_pci_aer_reset_done() began with
 *
 *     if (hisi_acc_vdev->core_device.vdev.migration_flags !=
 *                             VFIO_MIGRATION_STOP_COPY)
 *             return;
 *
 * so on every real device a reset returned before recording RUNNING and
 * ending the sessions. Debian's 6.12 tree has the corrected test
 * (!...mig_ops). Everything else here is correct.
 */
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

struct acme_acc_file {
	struct file *filp;
	struct mutex lock;
	bool disabled;
};

struct acme_acc_device {
	struct vfio_pci_core_device core_device;
	struct mutex state_mutex;
	spinlock_t reset_lock;
	bool deferred_reset;
	enum vfio_device_mig_state mig_state;
	struct acme_acc_file *saving_migf;
	struct acme_acc_file *resuming_migf;
};

int acme_acc_stop(struct acme_acc_device *acc);
int acme_acc_start(struct acme_acc_device *acc);
int acme_acc_save(struct acme_acc_device *acc, struct acme_acc_file *migf);
int acme_acc_load(struct acme_acc_device *acc, struct acme_acc_file *migf);
struct acme_acc_file *acme_acc_open_file(struct acme_acc_device *acc, bool save);
struct acme_acc_device *acme_acc_drvdata(struct pci_dev *pdev);

static void acme_acc_disable_fds(struct acme_acc_device *acc)
{
	if (acc->resuming_migf) {
		acc->resuming_migf->disabled = true;
		fput(acc->resuming_migf->filp);
		acc->resuming_migf = NULL;
	}
	if (acc->saving_migf) {
		acc->saving_migf->disabled = true;
		fput(acc->saving_migf->filp);
		acc->saving_migf = NULL;
	}
}

static void acme_acc_state_mutex_unlock(struct acme_acc_device *acc)
{
again:
	spin_lock(&acc->reset_lock);
	if (acc->deferred_reset) {
		acc->deferred_reset = false;
		spin_unlock(&acc->reset_lock);
		acc->mig_state = VFIO_DEVICE_STATE_RUNNING;
		acme_acc_disable_fds(acc);
		goto again;
	}
	mutex_unlock(&acc->state_mutex);
	spin_unlock(&acc->reset_lock);
}

static struct file *acme_acc_step(struct acme_acc_device *acc, u32 new)
{
	u32 cur = acc->mig_state;
	struct acme_acc_file *migf;
	int ret;

	if (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_PRE_COPY) {
		migf = acme_acc_open_file(acc, true);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		acc->saving_migf = migf;
		return migf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_PRE_COPY && new == VFIO_DEVICE_STATE_STOP_COPY) {
		ret = acme_acc_stop(acc);
		if (ret)
			return ERR_PTR(ret);
		ret = acme_acc_save(acc, acc->saving_migf);
		if (ret)
			return ERR_PTR(ret);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_STOP) {
		ret = acme_acc_stop(acc);
		if (ret)
			return ERR_PTR(ret);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_STOP_COPY) {
		migf = acme_acc_open_file(acc, true);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		acc->saving_migf = migf;
		return migf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_STOP_COPY && new == VFIO_DEVICE_STATE_STOP) {
		acme_acc_disable_fds(acc);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RESUMING) {
		migf = acme_acc_open_file(acc, false);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		acc->resuming_migf = migf;
		return migf->filp;
	}
	if (cur == VFIO_DEVICE_STATE_RESUMING && new == VFIO_DEVICE_STATE_STOP) {
		ret = acme_acc_load(acc, acc->resuming_migf);
		if (ret)
			return ERR_PTR(ret);
		acme_acc_disable_fds(acc);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_PRE_COPY && new == VFIO_DEVICE_STATE_RUNNING) {
		acme_acc_disable_fds(acc);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING) {
		ret = acme_acc_start(acc);
		if (ret)
			return ERR_PTR(ret);
		return NULL;
	}

	WARN_ON(true);
	return ERR_PTR(-EINVAL);
}

static struct file *acme_acc_set_state(struct vfio_device *vdev, enum vfio_device_mig_state new_state)
{
	struct acme_acc_device *acc = container_of(vdev, struct acme_acc_device, core_device.vdev);
	enum vfio_device_mig_state next_state;
	struct file *res = NULL;
	int ret;

	mutex_lock(&acc->state_mutex);
	while (new_state != acc->mig_state) {
		ret = vfio_mig_get_next_state(vdev, acc->mig_state, new_state, &next_state);
		if (ret) {
			res = ERR_PTR(-EINVAL);
			break;
		}
		res = acme_acc_step(acc, next_state);
		if (IS_ERR(res))
			break;
		acc->mig_state = next_state;
		if (WARN_ON(res && new_state != acc->mig_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	acme_acc_state_mutex_unlock(acc);
	return res;
}

static void acme_acc_reset_done(struct pci_dev *pdev)
{
	struct acme_acc_device *acc = acme_acc_drvdata(pdev);

	if (acc->core_device.vdev.migration_flags != VFIO_MIGRATION_STOP_COPY)
		return;

	spin_lock(&acc->reset_lock);
	acc->deferred_reset = true;
	if (!mutex_trylock(&acc->state_mutex)) {
		spin_unlock(&acc->reset_lock);
		return;
	}
	spin_unlock(&acc->reset_lock);
	acme_acc_state_mutex_unlock(acc);
}

static const struct vfio_migration_ops acme_acc_mig_ops = {
	.migration_set_state = acme_acc_set_state,
};

static const struct pci_error_handlers acme_acc_err_handlers = {
	.reset_done = acme_acc_reset_done,
};

static int acme_acc_init_dev(struct vfio_device *core_vdev)
{
	struct acme_acc_device *acc = container_of(core_vdev, struct acme_acc_device, core_device.vdev);

	mutex_init(&acc->state_mutex);
	spin_lock_init(&acc->reset_lock);
	core_vdev->migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY;
	core_vdev->mig_ops = &acme_acc_mig_ops;
	return vfio_pci_core_init_dev(core_vdev);
}
