"""The calls Microsoft's Python classification quickstart makes, in its order, through Microsoft's clients: a project,
two tags, the Hemlock and Japanese cherry photos uploaded as base64 file batches, training polled until it ends, the
iteration published, then the test photo classified as bytes with the prediction client. Our own code on the
quickstart's photos (data/datasets/azure-cv-trees); the endpoint is given with the trailing slash the portal shows.
"""

import csv
import os
import uuid

from azure.cognitiveservices.vision.customvision.training.models import ImageFileCreateBatch, ImageFileCreateEntry
from harness import DATA_DIR, ENDPOINT, PREDICTION_RESOURCE, prediction_client, run_steps, training_client, until

TREES = os.path.join(DATA_DIR, "datasets", "azure-cv-trees")
trainer = training_client(ENDPOINT + "/")
predictor = prediction_client(ENDPOINT + "/")
s = {}


def photos(split, tag):
    with open(os.path.join(TREES, "manifest.csv"), newline="") as f:
        return [row["file"] for row in csv.DictReader(f) if row["split"] == split and row["tag"] == tag]


def read(path):
    with open(os.path.join(TREES, path), "rb") as f:
        return f.read()


def create_project_and_tags():
    project = trainer.create_project(f"quickstart-{uuid.uuid4()}")
    s["project"] = project.id
    s["tags"] = {name: trainer.create_tag(project.id, name).id for name in ("Hemlock", "Japanese Cherry")}


def upload():
    entries = []
    for folder, tag in (("Hemlock", "Hemlock"), ("Japanese_Cherry", "Japanese Cherry")):
        files = photos("train", folder)
        assert len(files) == 10, files
        entries += [
            ImageFileCreateEntry(name=os.path.basename(f), contents=read(f), tag_ids=[s["tags"][tag]]) for f in files
        ]
    # The quickstart uploads in batches of at most 64; twenty photos make one.
    result = trainer.create_images_from_files(s["project"], ImageFileCreateBatch(images=entries))
    assert result.is_batch_successful, [i.status for i in result.images]
    assert trainer.get_tagged_image_count(s["project"]) == 20


def train():
    iteration = trainer.train_project(s["project"])
    done = until(lambda: trainer.get_iteration(s["project"], iteration.id), lambda it: it.status != "Training", "training", 120)
    assert done.status == "Completed", done.status
    s["iteration"] = done.id


def publish():
    assert trainer.publish_iteration(s["project"], s["iteration"], "classifyModel", PREDICTION_RESOURCE) is True


def classify():
    [test_photo] = photos("test", "Hemlock")
    result = predictor.classify_image(s["project"], "classifyModel", read(test_photo))
    assert sorted(p.tag_name for p in result.predictions) == ["Hemlock", "Japanese Cherry"]
    assert result.predictions[0].probability >= result.predictions[1].probability
    assert abs(sum(p.probability for p in result.predictions) - 1) < 1e-6
    assert result.iteration == s["iteration"]


if __name__ == "__main__":
    run_steps(
        [
            ("create the project and its tags", create_project_and_tags),
            ("upload the photos", upload),
            ("train until Completed", train),
            ("publish", publish),
            ("classify the test photo", classify),
        ]
    )
