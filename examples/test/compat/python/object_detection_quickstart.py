"""The calls Microsoft's Python object detection quickstart makes, in its order, through Microsoft's clients, as far
as cvkit serves them today: the General (object detection) domain looked up among the domains, a project on it, the
fork and scissors tags, the forty photos uploaded with their regions (data/datasets/azure-cv-fork-scissors), then
training. Object detection training is not built yet: TrainProject answers 400 BadRequestNotSupported, asserted
exactly. Once detection trains, this replay goes on to publish and detect.

Our own code on the quickstart's photos and boxes; the endpoint has the trailing slash the portal shows.
"""

import json
import os
import uuid

from azure.cognitiveservices.vision.customvision.training.models import (
    ImageFileCreateBatch,
    ImageFileCreateEntry,
    Region,
)
from harness import DATA_DIR, ENDPOINT, azure_error, run_steps, training_client

PHOTOS = os.path.join(DATA_DIR, "datasets", "azure-cv-fork-scissors")
trainer = training_client(ENDPOINT + "/")
s = {}


def create_project_and_tags():
    [domain] = [d for d in trainer.get_domains() if d.type == "ObjectDetection" and d.name == "General"]
    project = trainer.create_project(f"detection-{uuid.uuid4()}", domain_id=domain.id)
    s["project"] = project.id
    s["tags"] = {name: trainer.create_tag(project.id, name).id for name in ("fork", "scissors")}


def upload_with_regions():
    with open(os.path.join(PHOTOS, "annotations.json")) as f:
        annotated = [i for i in json.load(f)["images"] if i["file"].startswith("train/")]
    assert len(annotated) == 40
    entries = []
    for image in annotated:
        with open(os.path.join(PHOTOS, image["file"]), "rb") as f:
            contents = f.read()
        regions = [
            Region(tag_id=s["tags"][r["tag"]], left=r["left"], top=r["top"], width=r["width"], height=r["height"])
            for r in image["regions"]
        ]
        entries.append(ImageFileCreateEntry(name=os.path.basename(image["file"]), contents=contents, regions=regions))
    result = trainer.create_images_from_files(s["project"], ImageFileCreateBatch(images=entries))
    assert result.is_batch_successful, [i.status for i in result.images]
    # A region's tag tags its image: all forty count as tagged, twenty per tag.
    p = s["project"]
    assert (trainer.get_tagged_image_count(p), trainer.get_untagged_image_count(p)) == (40, 0)
    assert sorted((t.name, t.image_count) for t in trainer.get_tags(p)) == [("fork", 20), ("scissors", 20)]
    first = trainer.get_tagged_images(p, tag_ids=[s["tags"]["fork"]], take=1)[0]
    assert [t.tag_name for t in first.tags] == ["fork"] and first.regions[0].tag_name == "fork"


def train_not_served_yet():
    azure_error(lambda: trainer.train_project(s["project"]), 400, "BadRequestNotSupported")


if __name__ == "__main__":
    run_steps(
        [
            ("find the detection domain, create the project and its tags", create_project_and_tags),
            ("upload the photos with their regions", upload_with_regions),
            ("train: 400 BadRequestNotSupported until detection trains", train_not_served_yet),
        ]
    )
