// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture for migfsm audit-driver, written for migfsm (no kernel code): a
 * STOP_COPY-only driver whose STOP -> RESUMING branch returns an error on
 * every path (resuming is not wired up yet): an arc the driver does not
 * really implement, though a condition names it.
 */
#include <linux/vfio.h>

struct acme_ssd {
	struct mutex state_mutex;
	enum vfio_device_mig_state state;
	struct file *saving;
	struct file *resuming;
};

int acme_ssd_pause(struct acme_ssd *ssd);
int acme_ssd_unpause(struct acme_ssd *ssd);
int acme_ssd_load(struct acme_ssd *ssd);
struct file *acme_ssd_save_file(struct acme_ssd *ssd);

static void acme_ssd_close_files(struct acme_ssd *ssd)
{
	if (ssd->saving) {
		fput(ssd->saving);
		ssd->saving = NULL;
	}
	if (ssd->resuming) {
		fput(ssd->resuming);
		ssd->resuming = NULL;
	}
}

static struct file *acme_ssd_step(struct acme_ssd *ssd, u32 target)
{
	u32 from = ssd->state;
	struct file *filp;
	int ret;

	if (from == VFIO_DEVICE_STATE_RUNNING && target == VFIO_DEVICE_STATE_STOP) {
		ret = acme_ssd_pause(ssd);
		return ret ? ERR_PTR(ret) : NULL;
	}
	if (from == VFIO_DEVICE_STATE_STOP && target == VFIO_DEVICE_STATE_RUNNING) {
		ret = acme_ssd_unpause(ssd);
		return ret ? ERR_PTR(ret) : NULL;
	}
	if (from == VFIO_DEVICE_STATE_STOP && target == VFIO_DEVICE_STATE_STOP_COPY) {
		filp = acme_ssd_save_file(ssd);
		if (IS_ERR(filp))
			return filp;
		get_file(filp);
		ssd->saving = filp;
		return filp;
	}
	if (from == VFIO_DEVICE_STATE_STOP_COPY && target == VFIO_DEVICE_STATE_STOP) {
		acme_ssd_close_files(ssd);
		return NULL;
	}
	if (from == VFIO_DEVICE_STATE_STOP && target == VFIO_DEVICE_STATE_RESUMING) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (from == VFIO_DEVICE_STATE_RESUMING && target == VFIO_DEVICE_STATE_STOP) {
		ret = acme_ssd_load(ssd);
		if (ret)
			return ERR_PTR(ret);
		acme_ssd_close_files(ssd);
		return NULL;
	}
	WARN_ON(true);
	ret = -EINVAL;
out:
	return ERR_PTR(ret);
}

static struct file *acme_ssd_set_state(struct vfio_device *vdev, enum vfio_device_mig_state new_state)
{
	struct acme_ssd *ssd = vdev->priv;
	enum vfio_device_mig_state next;
	struct file *res = NULL;
	int ret;

	mutex_lock(&ssd->state_mutex);
	while (new_state != ssd->state) {
		ret = vfio_mig_get_next_state(vdev, ssd->state, new_state, &next);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = acme_ssd_step(ssd, next);
		if (IS_ERR(res))
			break;
		ssd->state = next;
	}
	mutex_unlock(&ssd->state_mutex);
	return res;
}

static void acme_ssd_reset(struct acme_ssd *ssd)
{
	mutex_lock(&ssd->state_mutex);
	ssd->state = VFIO_DEVICE_STATE_RUNNING;
	acme_ssd_close_files(ssd);
	mutex_unlock(&ssd->state_mutex);
}

static long acme_ssd_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case VFIO_DEVICE_RESET:
		acme_ssd_reset(vdev->priv);
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct vfio_migration_ops acme_ssd_mig_ops = {
	.migration_set_state = acme_ssd_set_state,
};

static int acme_ssd_init(struct vfio_device *vdev)
{
	vdev->migration_flags = VFIO_MIGRATION_STOP_COPY;
	vdev->mig_ops = &acme_ssd_mig_ops;
	return 0;
}
