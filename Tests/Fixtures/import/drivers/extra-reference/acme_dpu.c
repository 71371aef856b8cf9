// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture for migfsm audit-driver, written for migfsm (no kernel code): a
 * DPU VF driver in the shape of drivers/vfio/pci/pds/lm.c (Debian's 6.12
 * and the newer trees read alike). The file helper takes a second
 * reference with get_file() right after creating the file, so that the
 * driver keeps one while the user gets the other:
 *
 *     filep = anon_inode_getfile(...);        reference 1
 *     get_file(filep);                        reference 2
 *     pages = kmalloc_array(...);
 *     if (!pages)
 *             goto out_put_file;              fput(filep): one left
 *
 * Every failure after get_file() puts the file once, so one reference
 * outlives it, on STOP -> STOP_COPY and STOP -> RESUMING alike.
 * STOP -> STOP_COPY has the same flaw one level up: when the state
 * command fails, acme_dpu_put_save_file() puts the file once, and the
 * second reference (the one the user would have had) stays. Flags
 * STOP_COPY | P2P. Everything else here is correct.
 */
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

struct acme_dpu_file {
	struct file *filep;
	struct mutex lock;
	struct page **pages;
	u64 size;
};

struct acme_dpu_device {
	struct vfio_pci_core_device vfio_coredev;
	struct mutex state_mutex;
	enum vfio_device_mig_state state;
	struct acme_dpu_file *save_file;
	struct acme_dpu_file *restore_file;
};

int acme_dpu_get_state_size(struct acme_dpu_device *dpu, u64 *size);
int acme_dpu_get_state(struct acme_dpu_device *dpu);
int acme_dpu_set_state(struct acme_dpu_device *dpu);
int acme_dpu_suspend(struct acme_dpu_device *dpu, u8 type);
int acme_dpu_resume(struct acme_dpu_device *dpu, u8 type);
int acme_dpu_map_pages(struct acme_dpu_file *lm_file, u64 size);
struct acme_dpu_device *acme_dpu_drvdata(struct pci_dev *pdev);
extern const struct file_operations acme_dpu_save_fops, acme_dpu_restore_fops;

static struct acme_dpu_file *acme_dpu_get_lm_file(const struct file_operations *fops, int flags, u64 size)
{
	struct acme_dpu_file *lm_file;
	struct page **pages;

	if (!size)
		return NULL;
	lm_file = kzalloc(sizeof(*lm_file), GFP_KERNEL);
	if (!lm_file)
		return NULL;
	lm_file->filep = anon_inode_getfile("acme_dpu_lm", fops, lm_file, flags);
	if (IS_ERR(lm_file->filep))
		goto out_free_file;
	stream_open(lm_file->filep->f_inode, lm_file->filep);
	mutex_init(&lm_file->lock);

	/* keep the file until the driver is done with it */
	get_file(lm_file->filep);

	pages = kmalloc_array(size / PAGE_SIZE + 1, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		goto out_put_file;
	if (acme_dpu_map_pages(lm_file, size))
		goto out_free_pages;
	lm_file->pages = pages;
	lm_file->size = size;
	return lm_file;

out_free_pages:
	kfree(pages);
out_put_file:
	fput(lm_file->filep);
	mutex_destroy(&lm_file->lock);
out_free_file:
	kfree(lm_file);
	return NULL;
}

static void acme_dpu_put_lm_file(struct acme_dpu_file *lm_file)
{
	mutex_lock(&lm_file->lock);
	kfree(lm_file->pages);
	lm_file->pages = NULL;
	lm_file->size = 0;
	mutex_unlock(&lm_file->lock);
	fput(lm_file->filep);
}

static void acme_dpu_put_save_file(struct acme_dpu_device *dpu)
{
	if (!dpu->save_file)
		return;
	acme_dpu_put_lm_file(dpu->save_file);
	dpu->save_file = NULL;
}

static void acme_dpu_put_restore_file(struct acme_dpu_device *dpu)
{
	if (!dpu->restore_file)
		return;
	acme_dpu_put_lm_file(dpu->restore_file);
	dpu->restore_file = NULL;
}

static int acme_dpu_get_save_file(struct acme_dpu_device *dpu)
{
	struct acme_dpu_file *lm_file;
	u64 size;
	int err;

	err = acme_dpu_get_state_size(dpu, &size);
	if (err)
		return err;
	lm_file = acme_dpu_get_lm_file(&acme_dpu_save_fops, O_RDONLY, size);
	if (!lm_file)
		return -ENOENT;
	dpu->save_file = lm_file;
	return 0;
}

static int acme_dpu_get_restore_file(struct acme_dpu_device *dpu)
{
	struct acme_dpu_file *lm_file;

	lm_file = acme_dpu_get_lm_file(&acme_dpu_restore_fops, O_WRONLY, sizeof(struct acme_dpu_file));
	if (!lm_file)
		return -ENOENT;
	dpu->restore_file = lm_file;
	return 0;
}

static struct file *acme_dpu_step(struct acme_dpu_device *dpu, enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = dpu->state;
	int err;

	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_STOP_COPY) {
		err = acme_dpu_get_save_file(dpu);
		if (err)
			return ERR_PTR(err);
		err = acme_dpu_get_state(dpu);
		if (err) {
			acme_dpu_put_save_file(dpu);
			return ERR_PTR(err);
		}
		return dpu->save_file->filep;
	}

	if (cur == VFIO_DEVICE_STATE_STOP_COPY && next == VFIO_DEVICE_STATE_STOP) {
		acme_dpu_put_save_file(dpu);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RESUMING) {
		err = acme_dpu_get_restore_file(dpu);
		if (err)
			return ERR_PTR(err);
		return dpu->restore_file->filep;
	}

	if (cur == VFIO_DEVICE_STATE_RESUMING && next == VFIO_DEVICE_STATE_STOP) {
		err = acme_dpu_set_state(dpu);
		if (err)
			return ERR_PTR(err);
		acme_dpu_put_restore_file(dpu);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_RUNNING && next == VFIO_DEVICE_STATE_RUNNING_P2P) {
		err = acme_dpu_suspend(dpu, 1);
		if (err)
			return ERR_PTR(err);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_RUNNING_P2P && next == VFIO_DEVICE_STATE_RUNNING) {
		err = acme_dpu_resume(dpu, 2);
		if (err)
			return ERR_PTR(err);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && next == VFIO_DEVICE_STATE_RUNNING_P2P) {
		err = acme_dpu_resume(dpu, 1);
		if (err)
			return ERR_PTR(err);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_RUNNING_P2P && next == VFIO_DEVICE_STATE_STOP) {
		err = acme_dpu_suspend(dpu, 2);
		if (err)
			return ERR_PTR(err);
		return NULL;
	}

	return ERR_PTR(-EINVAL);
}

static struct file *acme_dpu_set_device_state(struct vfio_device *vdev, enum vfio_device_mig_state new_state)
{
	struct acme_dpu_device *dpu = container_of(vdev, struct acme_dpu_device, vfio_coredev.vdev);
	struct file *res = NULL;

	mutex_lock(&dpu->state_mutex);
	while (new_state != dpu->state) {
		enum vfio_device_mig_state next_state;
		int err = vfio_mig_get_next_state(vdev, dpu->state, new_state, &next_state);

		if (err) {
			res = ERR_PTR(err);
			break;
		}
		res = acme_dpu_step(dpu, next_state);
		if (IS_ERR(res))
			break;
		dpu->state = next_state;
		if (WARN_ON(res && new_state != dpu->state)) {
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&dpu->state_mutex);
	return res;
}

static void acme_dpu_reset_done(struct pci_dev *pdev)
{
	struct acme_dpu_device *dpu = acme_dpu_drvdata(pdev);

	mutex_lock(&dpu->state_mutex);
	acme_dpu_put_restore_file(dpu);
	acme_dpu_put_save_file(dpu);
	dpu->state = VFIO_DEVICE_STATE_RUNNING;
	mutex_unlock(&dpu->state_mutex);
}

static const struct vfio_migration_ops acme_dpu_lm_ops = {
	.migration_set_state = acme_dpu_set_device_state,
};

static const struct pci_error_handlers acme_dpu_err_handlers = {
	.reset_done = acme_dpu_reset_done,
};

static int acme_dpu_init_device(struct vfio_device *vdev)
{
	vdev->migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
	vdev->mig_ops = &acme_dpu_lm_ops;
	return 0;
}
