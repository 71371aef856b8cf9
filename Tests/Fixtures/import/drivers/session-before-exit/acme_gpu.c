// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture for migfsm audit-driver, written for migfsm (no kernel code): a
 * GPU VF driver in the shape of drivers/vfio/pci/xe/main.c (newer than
 * Debian's 6.12; read at torvalds/linux 0eaed89c18ae). Its step function
 * puts the session file before the command that leaves the state:
 *
 *     STOP_COPY -> STOP:  xe_vfio_pci_put_file(); xe_sriov_vfio_stop_copy_exit()
 *     RESUMING -> STOP:   xe_vfio_pci_put_file(); xe_sriov_vfio_resume_data_exit()
 *
 * If the exit command then fails, the driver still records STOP_COPY (or
 * RESUMING) with its session gone. When the enter command fails, the
 * fput() only balances get_file(): the reference stored in gpu->migf
 * stays. Flags STOP_COPY | P2P, STOP and RUNNING_P2P alike, as in xe.
 */
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

struct acme_gpu_file {
	struct file *filp;
	struct mutex lock;
	u8 disabled:1;
};

struct acme_gpu_device {
	struct vfio_pci_core_device core_device;
	unsigned int vfid;
	u8 deferred_reset:1;
	struct mutex state_mutex;
	enum vfio_device_mig_state mig_state;
	spinlock_t reset_lock;
	struct acme_gpu_file *migf;
};

int acme_pf_suspend_device(struct acme_gpu_device *gpu);
int acme_pf_resume_device(struct acme_gpu_device *gpu);
int acme_pf_stop_copy_enter(struct acme_gpu_device *gpu);
int acme_pf_stop_copy_exit(struct acme_gpu_device *gpu);
int acme_pf_resume_data_enter(struct acme_gpu_device *gpu);
int acme_pf_resume_data_exit(struct acme_gpu_device *gpu);
extern const struct file_operations acme_gpu_save_fops, acme_gpu_resume_fops;

static struct acme_gpu_file *acme_gpu_alloc_file(struct acme_gpu_device *gpu, bool save)
{
	struct acme_gpu_file *migf;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL_ACCOUNT);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	migf->filp = anon_inode_getfile("acme_gpu_mig", save ? &acme_gpu_save_fops : &acme_gpu_resume_fops,
					migf, save ? O_RDONLY : O_WRONLY);
	if (IS_ERR(migf->filp)) {
		int ret = PTR_ERR(migf->filp);

		kfree(migf);
		return ERR_PTR(ret);
	}
	mutex_init(&migf->lock);
	gpu->migf = migf;
	return migf;
}

static void acme_gpu_put_file(struct acme_gpu_device *gpu)
{
	gpu->migf->disabled = true;
	fput(gpu->migf->filp);
	gpu->migf = NULL;
}

static void acme_gpu_reset(struct acme_gpu_device *gpu)
{
	if (gpu->migf)
		acme_gpu_put_file(gpu);
	gpu->mig_state = VFIO_DEVICE_STATE_RUNNING;
}

static void acme_gpu_state_mutex_unlock(struct acme_gpu_device *gpu)
{
again:
	spin_lock(&gpu->reset_lock);
	if (gpu->deferred_reset) {
		gpu->deferred_reset = false;
		spin_unlock(&gpu->reset_lock);
		acme_gpu_reset(gpu);
		goto again;
	}
	mutex_unlock(&gpu->state_mutex);
	spin_unlock(&gpu->reset_lock);
}

static void acme_gpu_reset_done(struct pci_dev *pdev)
{
	struct acme_gpu_device *gpu = pci_get_drvdata(pdev);

	if (!gpu->vfid)
		return;
	spin_lock(&gpu->reset_lock);
	gpu->deferred_reset = true;
	if (!mutex_trylock(&gpu->state_mutex)) {
		spin_unlock(&gpu->reset_lock);
		return;
	}
	spin_unlock(&gpu->reset_lock);
	acme_gpu_state_mutex_unlock(gpu);
}

static struct file *acme_gpu_set_state_step(struct acme_gpu_device *gpu, u32 new)
{
	u32 cur = gpu->mig_state;
	int ret;

	if (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_RUNNING_P2P) {
		ret = acme_pf_suspend_device(gpu);
		if (ret)
			goto err;
		return NULL;
	}

	if ((cur == VFIO_DEVICE_STATE_RUNNING_P2P && new == VFIO_DEVICE_STATE_STOP) ||
	    (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING_P2P))
		return NULL;

	if (cur == VFIO_DEVICE_STATE_RUNNING_P2P && new == VFIO_DEVICE_STATE_RUNNING) {
		ret = acme_pf_resume_device(gpu);
		if (ret)
			goto err;
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_STOP_COPY) {
		struct acme_gpu_file *migf;

		migf = acme_gpu_alloc_file(gpu, true);
		if (IS_ERR(migf)) {
			ret = PTR_ERR(migf);
			goto err;
		}
		get_file(migf->filp);
		ret = acme_pf_stop_copy_enter(gpu);
		if (ret) {
			fput(migf->filp);
			goto err;
		}
		return migf->filp;
	}

	if (cur == VFIO_DEVICE_STATE_STOP_COPY && new == VFIO_DEVICE_STATE_STOP) {
		if (gpu->migf)
			acme_gpu_put_file(gpu);
		ret = acme_pf_stop_copy_exit(gpu);
		if (ret)
			goto err;
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RESUMING) {
		struct acme_gpu_file *migf;

		migf = acme_gpu_alloc_file(gpu, false);
		if (IS_ERR(migf)) {
			ret = PTR_ERR(migf);
			goto err;
		}
		get_file(migf->filp);
		ret = acme_pf_resume_data_enter(gpu);
		if (ret) {
			fput(migf->filp);
			goto err;
		}
		return migf->filp;
	}

	if (cur == VFIO_DEVICE_STATE_RESUMING && new == VFIO_DEVICE_STATE_STOP) {
		if (gpu->migf)
			acme_gpu_put_file(gpu);
		ret = acme_pf_resume_data_exit(gpu);
		if (ret)
			goto err;
		return NULL;
	}

	WARN(true, "Unknown state transition %d->%d", cur, new);
	return ERR_PTR(-EINVAL);

err:
	return ERR_PTR(ret);
}

static struct file *acme_gpu_set_device_state(struct vfio_device *core_vdev, enum vfio_device_mig_state new_state)
{
	struct acme_gpu_device *gpu = container_of(core_vdev, struct acme_gpu_device, core_device.vdev);
	enum vfio_device_mig_state next_state;
	struct file *f = NULL;
	int ret;

	mutex_lock(&gpu->state_mutex);
	while (new_state != gpu->mig_state) {
		ret = vfio_mig_get_next_state(core_vdev, gpu->mig_state, new_state, &next_state);
		if (ret) {
			f = ERR_PTR(ret);
			break;
		}
		f = acme_gpu_set_state_step(gpu, next_state);
		if (IS_ERR(f))
			break;
		gpu->mig_state = next_state;
		if (f && new_state != gpu->mig_state) {
			fput(f);
			f = ERR_PTR(-EINVAL);
			break;
		}
	}
	acme_gpu_state_mutex_unlock(gpu);
	return f;
}

static const struct vfio_migration_ops acme_gpu_migration_ops = {
	.migration_set_state = acme_gpu_set_device_state,
};

static const struct pci_error_handlers acme_gpu_err_handlers = {
	.reset_done = acme_gpu_reset_done,
};

static void acme_gpu_migration_init(struct acme_gpu_device *gpu)
{
	struct vfio_device *core_vdev = &gpu->core_device.vdev;

	core_vdev->migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
	core_vdev->mig_ops = &acme_gpu_migration_ops;
}
