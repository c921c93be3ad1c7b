"""GuardDuty: the detectors of a region, whether each is enabled, and the delegated administrator
whose EventBridge also receives this account's findings."""

from irready.audit.aws import Clients, guarded, paginate


def collect_region(clients: Clients, region: str) -> dict:
    client = clients.client("guardduty", region)
    detectors = [_detector(client, detector_id)
                 for detector_id in paginate(client, "list_detectors", "DetectorIds", page_size=50)]
    data = {"detectors": detectors}
    if detectors:
        # A member's findings are also published to its administrator's default event bus.
        # https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetAdministratorAccount.html
        data["administrator"] = guarded("GetAdministratorAccount", lambda: _administrator(
            client, detectors[0]["detector_id"]))
    return data


def _administrator(client, detector_id: str) -> dict | None:
    """{"account_id", "relationship_status"} of the administrator, or None if there is none."""
    administrator = client.get_administrator_account(DetectorId=detector_id).get("Administrator")
    if not administrator:
        return None
    return {"account_id": administrator.get("AccountId"),
            "relationship_status": administrator.get("RelationshipStatus")}


# --- the detector and its protection plans (issue #19): one GetDetector gives both --------------------------

def _detector(client, detector_id: str) -> dict:
    """``{"detector_id", "status", "features": {name: {"status", "additional": {name: status}}}}``; both
    the status and the features are the same marker when GetDetector fails.
    https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetDetector.html (Features)"""
    detector = guarded("GetDetector", lambda: client.get_detector(DetectorId=detector_id))
    if "Status" not in detector:  # a marker
        return {"detector_id": detector_id, "status": detector, "features": detector}
    return {"detector_id": detector_id, "status": detector["Status"], "features": {
        feature["Name"]: {"status": feature.get("Status", "DISABLED"),
                          "additional": {extra["Name"]: extra.get("Status", "DISABLED")
                                         for extra in feature.get("AdditionalConfiguration") or []}}
        for feature in detector.get("Features") or [] if "Name" in feature}}
