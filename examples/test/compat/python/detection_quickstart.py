"""The object detection quickstart's calls made with Microsoft's Python client (azure-cognitiveservices-vision-
customvision 3.1.0, Debian's python3-azure) against a cvkit server: our own code, run by
official-python-detection.test.ts. Arguments: endpoint, training key, prediction key, data set folder.
Prints one JSON line with what the test checks."""
import json
import os
import sys
import time

from azure.cognitiveservices.vision.customvision.prediction import CustomVisionPredictionClient
from azure.cognitiveservices.vision.customvision.training import CustomVisionTrainingClient
from azure.cognitiveservices.vision.customvision.training.models import (
    ImageFileCreateBatch,
    ImageFileCreateEntry,
    Region,
)
from msrest.authentication import ApiKeyCredentials

endpoint, training_key, prediction_key, folder = sys.argv[1:5]
trainer = CustomVisionTrainingClient(endpoint, ApiKeyCredentials(in_headers={"Training-key": training_key}))
predictor = CustomVisionPredictionClient(endpoint, ApiKeyCredentials(in_headers={"Prediction-key": prediction_key}))

domain = next(d for d in trainer.get_domains() if d.type == "ObjectDetection" and d.name == "General")
project = trainer.create_project("Python detection", domain_id=domain.id)
tags = {name: trainer.create_tag(project.id, name) for name in ("fork", "scissors")}

with open(os.path.join(folder, "annotations.json")) as f:
    photos = [p for p in json.load(f)["images"] if p["file"].startswith("train/")]
entries = []
for p in photos:
    with open(os.path.join(folder, p["file"]), "rb") as image:
        regions = [
            Region(tag_id=tags[r["tag"]].id, left=r["left"], top=r["top"], width=r["width"], height=r["height"])
            for r in p["regions"]
        ]
        entries.append(ImageFileCreateEntry(name=os.path.basename(p["file"]), contents=image.read(), regions=regions))
upload = trainer.create_images_from_files(project.id, ImageFileCreateBatch(images=entries))

iteration = trainer.train_project(project.id)
while iteration.status == "Training":
    time.sleep(0.5)
    iteration = trainer.get_iteration(project.id, iteration.id)
performance = trainer.get_iteration_performance(project.id, iteration.id, threshold=0.5, overlap_threshold=0.5)
trainer.publish_iteration(project.id, iteration.id, "detectModel", "/subscriptions/0/providers/x/accounts/p")

# The file object itself, as the quickstart passes it: msrest then sends a named application/octet-stream part.
with open(os.path.join(folder, "test", "fork", "test_image.jpg"), "rb") as image:
    results = predictor.detect_image(project.id, "detectModel", image)
top = results.predictions[0]
print(
    json.dumps(
        {
            "uploaded": upload.is_batch_successful,
            "status": iteration.status,
            "mAP": performance.average_precision,
            "top": {
                "tagName": top.tag_name,
                "probability": top.probability,
                "box": [top.bounding_box.left, top.bounding_box.top, top.bounding_box.width, top.bounding_box.height],
            },
        }
    )
)
