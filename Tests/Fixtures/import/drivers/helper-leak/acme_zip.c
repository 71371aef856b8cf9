// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture for migfsm audit-driver, written for migfsm (no kernel code): a
 * compression VF driver in the shape of drivers/vfio/pci/hisilicon/
 * hisi_acc_vfio_pci.c (Debian's 6.12 and the newer trees read alike).
 * STOP -> STOP_COPY calls a helper with open == true; the helper opens the
 * saving file through another helper, then saves the device state, and
 * when the save fails it returns the error without putting the file:
 *
 *     migf = acme_zip_open_saving(zip);       creates the file
 *     ret = acme_zip_save_state(zip, migf);
 *     if (ret)
 *             return ERR_PTR(ret);            the file is never put
 *
 * PRE_COPY -> STOP_COPY calls the same helper with open == false, which
 * creates nothing: no leak there. Flags STOP_COPY | PRE_COPY; the reset is
 * applied under the state mutex. Everything else here is correct.
 */
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

struct acme_zip_file {
	struct file *filp;
	struct mutex lock;
	bool disabled;
};

struct acme_zip_device {
	struct vfio_pci_core_device core_device;
	struct mutex state_mutex;
	enum vfio_device_mig_state mig_state;
	struct acme_zip_file *saving_migf;
	struct acme_zip_file *resuming_migf;
};

int acme_zip_quiesce(struct acme_zip_device *zip);
int acme_zip_save_state(struct acme_zip_device *zip, struct acme_zip_file *migf);
int acme_zip_load_state(struct acme_zip_device *zip, struct acme_zip_file *migf);
int acme_zip_read_setup(struct acme_zip_device *zip, struct acme_zip_file *migf);
void acme_zip_start(struct acme_zip_device *zip);
struct acme_zip_device *acme_zip_drvdata(struct pci_dev *pdev);
extern const struct file_operations acme_zip_save_fops, acme_zip_resume_fops;

static void acme_zip_disable_fds(struct acme_zip_device *zip)
{
	if (zip->resuming_migf) {
		zip->resuming_migf->disabled = true;
		fput(zip->resuming_migf->filp);
		zip->resuming_migf = NULL;
	}
	if (zip->saving_migf) {
		zip->saving_migf->disabled = true;
		fput(zip->saving_migf->filp);
		zip->saving_migf = NULL;
	}
}

static struct acme_zip_file *acme_zip_open_file(struct acme_zip_device *zip, bool save)
{
	struct acme_zip_file *migf;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	migf->filp = anon_inode_getfile("acme_zip_mig", save ? &acme_zip_save_fops : &acme_zip_resume_fops,
					migf, save ? O_RDONLY : O_WRONLY);
	if (IS_ERR(migf->filp)) {
		int err = PTR_ERR(migf->filp);

		kfree(migf);
		return ERR_PTR(err);
	}
	stream_open(migf->filp->f_inode, migf->filp);
	mutex_init(&migf->lock);
	return migf;
}

static struct acme_zip_file *acme_zip_open_saving(struct acme_zip_device *zip)
{
	struct acme_zip_file *migf;
	int ret;

	migf = acme_zip_open_file(zip, true);
	if (IS_ERR(migf))
		return migf;
	ret = acme_zip_read_setup(zip, migf);
	if (ret) {
		fput(migf->filp);
		return ERR_PTR(ret);
	}
	return migf;
}

static struct acme_zip_file *acme_zip_stop_copy(struct acme_zip_device *zip, bool open)
{
	struct acme_zip_file *migf;
	int ret;

	if (open) {
		migf = acme_zip_open_saving(zip);
		if (IS_ERR(migf))
			return migf;
	} else {
		migf = zip->saving_migf;
	}

	ret = acme_zip_save_state(zip, migf);
	if (ret)
		return ERR_PTR(ret);

	return open ? migf : NULL;
}

static struct file *acme_zip_step(struct acme_zip_device *zip, u32 new)
{
	u32 cur = zip->mig_state;
	int ret;

	if (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_PRE_COPY) {
		struct acme_zip_file *migf;

		migf = acme_zip_open_saving(zip);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		zip->saving_migf = migf;
		return migf->filp;
	}

	if (cur == VFIO_DEVICE_STATE_PRE_COPY && new == VFIO_DEVICE_STATE_STOP_COPY) {
		struct acme_zip_file *migf;

		ret = acme_zip_quiesce(zip);
		if (ret)
			return ERR_PTR(ret);
		migf = acme_zip_stop_copy(zip, false);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_STOP) {
		ret = acme_zip_quiesce(zip);
		if (ret)
			return ERR_PTR(ret);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_STOP_COPY) {
		struct acme_zip_file *migf;

		migf = acme_zip_stop_copy(zip, true);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		zip->saving_migf = migf;
		return migf->filp;
	}

	if (cur == VFIO_DEVICE_STATE_STOP_COPY && new == VFIO_DEVICE_STATE_STOP) {
		acme_zip_disable_fds(zip);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RESUMING) {
		struct acme_zip_file *migf;

		migf = acme_zip_open_file(zip, false);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		zip->resuming_migf = migf;
		return migf->filp;
	}

	if (cur == VFIO_DEVICE_STATE_RESUMING && new == VFIO_DEVICE_STATE_STOP) {
		ret = acme_zip_load_state(zip, zip->resuming_migf);
		if (ret)
			return ERR_PTR(ret);
		acme_zip_disable_fds(zip);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_PRE_COPY && new == VFIO_DEVICE_STATE_RUNNING) {
		acme_zip_disable_fds(zip);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING) {
		acme_zip_start(zip);
		return NULL;
	}

	WARN_ON(true);
	return ERR_PTR(-EINVAL);
}

static struct file *acme_zip_set_device_state(struct vfio_device *vdev, enum vfio_device_mig_state new_state)
{
	struct acme_zip_device *zip = container_of(vdev, struct acme_zip_device, core_device.vdev);
	enum vfio_device_mig_state next_state;
	struct file *res = NULL;
	int ret;

	mutex_lock(&zip->state_mutex);
	while (new_state != zip->mig_state) {
		ret = vfio_mig_get_next_state(vdev, zip->mig_state, new_state, &next_state);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = acme_zip_step(zip, next_state);
		if (IS_ERR(res))
			break;
		zip->mig_state = next_state;
		if (WARN_ON(res && new_state != zip->mig_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&zip->state_mutex);
	return res;
}

static void acme_zip_reset_done(struct pci_dev *pdev)
{
	struct acme_zip_device *zip = acme_zip_drvdata(pdev);

	if (!zip->core_device.vdev.mig_ops)
		return;
	mutex_lock(&zip->state_mutex);
	zip->mig_state = VFIO_DEVICE_STATE_RUNNING;
	acme_zip_disable_fds(zip);
	mutex_unlock(&zip->state_mutex);
}

static const struct vfio_migration_ops acme_zip_migration_ops = {
	.migration_set_state = acme_zip_set_device_state,
};

static const struct pci_error_handlers acme_zip_err_handlers = {
	.reset_done = acme_zip_reset_done,
};

static int acme_zip_init_dev(struct vfio_device *core_vdev)
{
	core_vdev->migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_PRE_COPY;
	core_vdev->mig_ops = &acme_zip_migration_ops;
	return 0;
}
