"""Every method of Microsoft's Python CustomVisionPredictionClient (3.1.0, prediction API v3.1), unchanged, against a
cvkit server with the stand-in engine. The training client sets up a published classifier of red and blue pictures.

The four detect_* methods answer 400 BadRequestNotSupported on a classifier, as on Azure; cvkit does not train object
detectors yet, so they have nothing else to answer for now.
"""

import io

from azure.cognitiveservices.vision.customvision.training.models import ImageFileCreateBatch, ImageFileCreateEntry
from harness import (
    ENDPOINT,
    IMAGE_URL,
    MISSING,
    PREDICTION_RESOURCE,
    Recorded,
    azure_error,
    picture,
    prediction_client,
    run_steps,
    training_client,
    until,
)

from azure.cognitiveservices.vision.customvision.prediction import CustomVisionPredictionClient
from msrest.authentication import ApiKeyCredentials

trainer = training_client()
client = prediction_client(ENDPOINT + "/")
s = {}


def published_classifier():
    project = trainer.create_project("prediction", classification_type="Multiclass")
    for colour in ("red", "blue"):
        tag = trainer.create_tag(project.id, colour)
        entries = [ImageFileCreateEntry(name=f"{colour}{i}.jpg", contents=picture(colour, i)) for i in range(6)]
        result = trainer.create_images_from_files(project.id, ImageFileCreateBatch(images=entries, tag_ids=[tag.id]))
        assert result.is_batch_successful
    iteration = trainer.train_project(project.id)
    until(lambda: trainer.get_iteration(project.id, iteration.id), lambda it: it.status == "Completed", "training")
    assert trainer.publish_iteration(project.id, iteration.id, "prod", PREDICTION_RESOURCE)
    s["project"] = project.id


def classify_image_bytes_and_streams():
    p = s["project"]
    # Bytes: msrest sends the part with neither filename nor Content-Type.
    stored = client.classify_image(p, "prod", picture("red", 7))
    assert stored.predictions[0].tag_name == "red" and stored.project == p
    assert abs(sum(x.probability for x in stored.predictions) - 1) < 1e-6
    nostore = client.classify_image_with_no_store(p, "prod", io.BytesIO(picture("blue", 7)), application="tests")
    assert nostore.predictions[0].tag_name == "blue"
    # Only the stored prediction is kept.
    results = trainer.query_predictions(p, {}).results
    assert [r.id for r in results] == [stored.id]


def classify_urls():
    p = s["project"]
    assert client.classify_image_url(p, "prod", IMAGE_URL).predictions[0].tag_name == "blue"
    assert client.classify_image_url_with_no_store(p, "prod", IMAGE_URL).predictions[0].tag_name == "blue"


def detect_on_a_classifier():
    p = s["project"]
    for call in (
        lambda: client.detect_image(p, "prod", picture("red", 1)),
        lambda: client.detect_image_url(p, "prod", IMAGE_URL),
        lambda: client.detect_image_with_no_store(p, "prod", picture("red", 1)),
        lambda: client.detect_image_url_with_no_store(p, "prod", IMAGE_URL),
    ):
        azure_error(call, 400, "BadRequestNotSupported")


def errors():
    p = s["project"]
    azure_error(lambda: client.classify_image(p, "missing", picture("red", 1)), 404, "NotFoundIteration")
    azure_error(lambda: client.classify_image(MISSING, "prod", picture("red", 1)), 404, "NotFoundProject")
    wrong_key = Recorded(
        CustomVisionPredictionClient(ENDPOINT, ApiKeyCredentials(in_headers={"Prediction-key": "wrong"})),
        "python-prediction",
        ["classify_image"],
    )
    azure_error(lambda: wrong_key.classify_image(p, "prod", picture("red", 1)), 401, "Unauthorized")


if __name__ == "__main__":
    run_steps(
        [
            ("a published classifier", published_classifier),
            ("classify_image and classify_image_with_no_store (bytes and a stream)", classify_image_bytes_and_streams),
            ("classify_image_url and classify_image_url_with_no_store", classify_urls),
            ("detect_* on a classifier: 400 BadRequestNotSupported", detect_on_a_classifier),
            ("errors", errors),
        ]
    )
