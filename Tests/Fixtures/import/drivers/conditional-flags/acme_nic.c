// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture for migfsm audit-driver, written for migfsm (no kernel code): a
 * NIC VF driver whose probe sets PRE_COPY only under a firmware
 * capability, as drivers/vfio/pci/mlx5/cmd.c did from PRE_COPY's
 * introduction until "vfio/mlx5: Enforce PRE_COPY support" (in Debian's
 * 6.12 mlx5 sets STOP_COPY | P2P | PRE_COPY unconditionally):
 *
 *     migration_flags = VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P;
 *     if (MLX5_CAP_GEN_2(mdev, migration_multi_load) && ...)
 *             migration_flags |= VFIO_MIGRATION_PRE_COPY;
 *
 * Both feature sets are real. The step function implements every arc
 * either needs, checks every result, and the reset restores: a correct
 * driver, which audit-driver must pass.
 */
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

struct acme_nic_file {
	struct file *filp;
};

struct acme_nic_device {
	struct vfio_pci_core_device core_device;
	struct acme_fw *fw;
	struct mutex state_mutex;
	enum vfio_device_mig_state mig_state;
	struct acme_nic_file *saving_migf;
	struct acme_nic_file *resuming_migf;
};

bool acme_fw_has(struct acme_fw *fw, int capability);
int acme_nic_quiesce(struct acme_nic_device *nic, bool initiator);
int acme_nic_unquiesce(struct acme_nic_device *nic, bool initiator);
int acme_nic_final_save(struct acme_nic_device *nic);
int acme_nic_load(struct acme_nic_device *nic);
struct acme_nic_file *acme_nic_save_file(struct acme_nic_device *nic, bool pre_copy);
struct acme_nic_file *acme_nic_resume_file(struct acme_nic_device *nic);
struct acme_nic_device *acme_nic_drvdata(struct pci_dev *pdev);

static void acme_nic_disable_fds(struct acme_nic_device *nic)
{
	if (nic->resuming_migf) {
		fput(nic->resuming_migf->filp);
		nic->resuming_migf = NULL;
	}
	if (nic->saving_migf) {
		fput(nic->saving_migf->filp);
		nic->saving_migf = NULL;
	}
}

static struct file *acme_nic_step(struct acme_nic_device *nic, u32 new)
{
	u32 cur = nic->mig_state;
	struct acme_nic_file *migf;
	int ret;

	switch (cur) {
	case VFIO_DEVICE_STATE_RUNNING:
		if (new == VFIO_DEVICE_STATE_RUNNING_P2P) {
			ret = acme_nic_quiesce(nic, true);
			return ret ? ERR_PTR(ret) : NULL;
		}
		if (new == VFIO_DEVICE_STATE_PRE_COPY)
			goto save_pre_copy;
		break;
	case VFIO_DEVICE_STATE_RUNNING_P2P:
		if (new == VFIO_DEVICE_STATE_RUNNING) {
			ret = acme_nic_unquiesce(nic, true);
			return ret ? ERR_PTR(ret) : NULL;
		}
		if (new == VFIO_DEVICE_STATE_STOP) {
			ret = acme_nic_quiesce(nic, false);
			return ret ? ERR_PTR(ret) : NULL;
		}
		if (new == VFIO_DEVICE_STATE_PRE_COPY_P2P)
			goto save_pre_copy;
		break;
	case VFIO_DEVICE_STATE_STOP:
		if (new == VFIO_DEVICE_STATE_RUNNING_P2P) {
			ret = acme_nic_unquiesce(nic, false);
			return ret ? ERR_PTR(ret) : NULL;
		}
		if (new == VFIO_DEVICE_STATE_STOP_COPY) {
			migf = acme_nic_save_file(nic, false);
			if (IS_ERR(migf))
				return ERR_CAST(migf);
			get_file(migf->filp);
			nic->saving_migf = migf;
			return migf->filp;
		}
		if (new == VFIO_DEVICE_STATE_RESUMING) {
			migf = acme_nic_resume_file(nic);
			if (IS_ERR(migf))
				return ERR_CAST(migf);
			get_file(migf->filp);
			nic->resuming_migf = migf;
			return migf->filp;
		}
		break;
	case VFIO_DEVICE_STATE_STOP_COPY:
		if (new == VFIO_DEVICE_STATE_STOP) {
			acme_nic_disable_fds(nic);
			return NULL;
		}
		break;
	case VFIO_DEVICE_STATE_RESUMING:
		if (new == VFIO_DEVICE_STATE_STOP) {
			ret = acme_nic_load(nic);
			if (ret)
				return ERR_PTR(ret);
			acme_nic_disable_fds(nic);
			return NULL;
		}
		break;
	case VFIO_DEVICE_STATE_PRE_COPY:
		if (new == VFIO_DEVICE_STATE_PRE_COPY_P2P) {
			ret = acme_nic_quiesce(nic, true);
			return ret ? ERR_PTR(ret) : NULL;
		}
		if (new == VFIO_DEVICE_STATE_RUNNING) {
			acme_nic_disable_fds(nic);
			return NULL;
		}
		break;
	case VFIO_DEVICE_STATE_PRE_COPY_P2P:
		if (new == VFIO_DEVICE_STATE_PRE_COPY) {
			ret = acme_nic_unquiesce(nic, true);
			return ret ? ERR_PTR(ret) : NULL;
		}
		if (new == VFIO_DEVICE_STATE_RUNNING_P2P) {
			acme_nic_disable_fds(nic);
			return NULL;
		}
		if (new == VFIO_DEVICE_STATE_STOP_COPY) {
			ret = acme_nic_quiesce(nic, false);
			if (ret)
				return ERR_PTR(ret);
			ret = acme_nic_final_save(nic);
			return ret ? ERR_PTR(ret) : NULL;
		}
		break;
	default:
		break;
	}

	WARN_ON(true);
	return ERR_PTR(-EINVAL);

save_pre_copy:
	migf = acme_nic_save_file(nic, true);
	if (IS_ERR(migf))
		return ERR_CAST(migf);
	get_file(migf->filp);
	nic->saving_migf = migf;
	return migf->filp;
}

static struct file *acme_nic_set_state(struct vfio_device *vdev, enum vfio_device_mig_state new_state)
{
	struct acme_nic_device *nic = container_of(vdev, struct acme_nic_device, core_device.vdev);
	enum vfio_device_mig_state next_state;
	struct file *res = NULL;
	int ret;

	mutex_lock(&nic->state_mutex);
	while (new_state != nic->mig_state) {
		ret = vfio_mig_get_next_state(vdev, nic->mig_state, new_state, &next_state);
		if (ret) {
			res = ERR_PTR(ret);
			break;
		}
		res = acme_nic_step(nic, next_state);
		if (IS_ERR(res))
			break;
		nic->mig_state = next_state;
		if (WARN_ON(res && new_state != nic->mig_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	mutex_unlock(&nic->state_mutex);
	return res;
}

static void acme_nic_reset_done(struct pci_dev *pdev)
{
	struct acme_nic_device *nic = acme_nic_drvdata(pdev);

	mutex_lock(&nic->state_mutex);
	nic->mig_state = VFIO_DEVICE_STATE_RUNNING;
	acme_nic_disable_fds(nic);
	mutex_unlock(&nic->state_mutex);
}

static const struct vfio_migration_ops acme_nic_mig_ops = {
	.migration_set_state = acme_nic_set_state,
};

static const struct pci_error_handlers acme_nic_err_handlers = {
	.reset_done = acme_nic_reset_done,
};

void acme_nic_set_migratable(struct acme_nic_device *nic)
{
	if (!nic->fw)
		goto end;

	nic->core_device.vdev.migration_flags =
		VFIO_MIGRATION_STOP_COPY |
		VFIO_MIGRATION_P2P;
	nic->core_device.vdev.mig_ops = &acme_nic_mig_ops;

	if (acme_fw_has(nic->fw, 1) && acme_fw_has(nic->fw, 2))
		nic->core_device.vdev.migration_flags |=
			VFIO_MIGRATION_PRE_COPY;
end:
	return;
}
