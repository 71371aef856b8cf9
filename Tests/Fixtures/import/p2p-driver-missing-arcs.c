// SPDX-License-Identifier: GPL-2.0-only
/*
 * A driver that claims P2P but whose step function was written for
 * STOP_COPY alone: it lacks the RUNNING_P2P arcs and keeps the STOP <->
 * RUNNING arcs the core never asks for once P2P is reported.
 * Fixture for migfsm audit-driver.
 */
#include <linux/vfio_pci_core.h>

static struct file *
acme_vf_step_state(struct acme_vf_device *avdev, u32 new)
{
	u32 cur = avdev->mig_state;

	if ((cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_STOP) ||
	    (cur == VFIO_DEVICE_STATE_RUNNING && new == VFIO_DEVICE_STATE_RUNNING_P2P)) {
		acme_vf_quiesce(avdev);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RUNNING) {
		acme_vf_unquiesce(avdev);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_STOP_COPY)
		return acme_vf_save(avdev);

	if (cur == VFIO_DEVICE_STATE_STOP_COPY && new == VFIO_DEVICE_STATE_STOP) {
		acme_vf_disable_fds(avdev);
		return NULL;
	}

	if (cur == VFIO_DEVICE_STATE_STOP && new == VFIO_DEVICE_STATE_RESUMING)
		return acme_vf_resume(avdev);

	if (cur == VFIO_DEVICE_STATE_RESUMING && new == VFIO_DEVICE_STATE_STOP) {
		acme_vf_disable_fds(avdev);
		return NULL;
	}

	/* vfio_mig_get_next_state() does not use arcs other than the above */
	WARN_ON(true);
	return ERR_PTR(-EINVAL);
}

static int acme_vf_init_dev(struct vfio_device *core_vdev)
{
	core_vdev->migration_flags = VFIO_MIGRATION_STOP_COPY |
				     VFIO_MIGRATION_P2P;
	return vfio_pci_core_init_dev(core_vdev);
}
