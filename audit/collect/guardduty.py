"""GuardDuty: the detectors of a region and whether each is enabled."""

from irready.audit.aws import Clients, guarded, paginate


def collect_region(clients: Clients, region: str) -> dict:
    client = clients.client("guardduty", region)
    return {"detectors": [
        {"detector_id": detector_id,
         "status": guarded("GetDetector", lambda d=detector_id: client.get_detector(DetectorId=d)["Status"])}
        for detector_id in paginate(client, "list_detectors", "DetectorIds", page_size=50)]}
