// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2022, INTEL CORPORATION. All rights reserved
 *
 * The migration part of the NVMe VFIO PCI driver of the RFC "nvme-vfio:
 * enable the function of VFIO live migration" (seed 004), reduced to what
 * migfsm audit-driver reads: the step function, the set_state loop with its
 * deferred reset, and the flags. Fixture for migfsm audit-driver.
 */

#include <linux/device.h>
#include <linux/vfio_pci_core.h>
#include "nvme.h"

static struct file *
nvmevf_pci_step_device_state_locked(struct nvmevf_pci_core_device *nvmevf_dev, u32 new)
{
	u32 cur = nvmevf_dev->mig_state;
	int ret;

	if (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_STOP) {
		ret = nvmevf_cmd_suspend_device(nvmevf_dev);
		if (ret)
			return ERR_PTR(ret);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_STOP_COPY) {
		struct nvmevf_migration_file *migf;

		migf = nvmevf_pci_save_device_data(nvmevf_dev);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		nvmevf_dev->saving_migf = migf;
		return migf->filp;
	}

	if (cur == VFIO_DEVICE_STATE_STOP_COPY && new == VFIO_DEVICE_STATE_STOP) {
		nvmevf_disable_fds(nvmevf_dev);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RESUMING) {
		struct nvmevf_migration_file *migf;

		migf = nvmevf_pci_resume_device_data(nvmevf_dev);
		if (IS_ERR(migf))
			return ERR_CAST(migf);
		get_file(migf->filp);
		nvmevf_dev->resuming_migf = migf;
		return migf->filp;
	}

	if (cur == VFIO_DEVICE_STATE_RESUMING && new == VFIO_DEVICE_STATE_STOP) {
		ret = nvmevf_cmd_load_data(nvmevf_dev, nvmevf_dev->resuming_migf);
		if (ret)
			return ERR_PTR(ret);
		nvmevf_disable_fds(nvmevf_dev);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING) {
		nvmevf_cmd_resume_device(nvmevf_dev);
		return NULL;
	}

	/* vfio_mig_get_next_state() does not use arcs other than the above */
	WARN_ON(true);
	return ERR_PTR(-EINVAL);
}

static void nvmevf_state_mutex_unlock(struct nvmevf_pci_core_device *nvmevf_dev)
{
again:
	spin_lock(&nvmevf_dev->reset_lock);
	if (nvmevf_dev->deferred_reset) {
		nvmevf_dev->deferred_reset = false;
		spin_unlock(&nvmevf_dev->reset_lock);
		nvmevf_dev->mig_state = VFIO_DEVICE_STATE_RUNNING;
		nvmevf_disable_fds(nvmevf_dev);
		goto again;
	}
	mutex_unlock(&nvmevf_dev->state_mutex);
	spin_unlock(&nvmevf_dev->reset_lock);
}

static struct file *
nvmevf_pci_set_device_state(struct vfio_device *vdev, enum vfio_device_mig_state new_state)
{
	struct nvmevf_pci_core_device *nvmevf_dev = container_of(vdev,
			struct nvmevf_pci_core_device, core_device.vdev);
	enum vfio_device_mig_state next_state;
	struct file *res = NULL;
	int ret;

	mutex_lock(&nvmevf_dev->state_mutex);
	while (new_state != nvmevf_dev->mig_state) {
		ret = vfio_mig_get_next_state(vdev, nvmevf_dev->mig_state, new_state, &next_state);
		if (ret) {
			res = ERR_PTR(-EINVAL);
			break;
		}

		res = nvmevf_pci_step_device_state_locked(nvmevf_dev, next_state);
		if (IS_ERR(res))
			break;
		nvmevf_dev->mig_state = next_state;
		if (WARN_ON(res && new_state != nvmevf_dev->mig_state)) {
			fput(res);
			res = ERR_PTR(-EINVAL);
			break;
		}
	}
	nvmevf_state_mutex_unlock(nvmevf_dev);
	return res;
}

static int nvmevf_pci_get_device_state(struct vfio_device *vdev,
					   enum vfio_device_mig_state *curr_state)
{
	struct nvmevf_pci_core_device *nvmevf_dev = container_of(
			vdev, struct nvmevf_pci_core_device, core_device.vdev);

	mutex_lock(&nvmevf_dev->state_mutex);
	*curr_state = nvmevf_dev->mig_state;
	nvmevf_state_mutex_unlock(nvmevf_dev);
	return 0;
}

static const struct vfio_migration_ops nvmevf_pci_mig_ops = {
	.migration_set_state = nvmevf_pci_set_device_state,
	.migration_get_state = nvmevf_pci_get_device_state,
};

static int nvmevf_migration_init_dev(struct vfio_device *core_vdev)
{
	struct nvmevf_pci_core_device *nvmevf_dev = container_of(core_vdev,
					struct nvmevf_pci_core_device, core_device.vdev);
	struct pci_dev *pdev = to_pci_dev(core_vdev->dev);
	int vf_id;
	int ret = -1;

	if (!pdev->is_virtfn)
		return ret;

	nvmevf_dev->migrate_cap = 1;

	vf_id = pci_iov_vf_id(pdev);
	if (vf_id < 0)
		return ret;
	nvmevf_dev->vf_id = vf_id + 1;
	core_vdev->migration_flags = VFIO_MIGRATION_STOP_COPY;

	mutex_init(&nvmevf_dev->state_mutex);
	spin_lock_init(&nvmevf_dev->reset_lock);
	core_vdev->mig_ops = &nvmevf_pci_mig_ops;

	return vfio_pci_core_init_dev(core_vdev);
}
