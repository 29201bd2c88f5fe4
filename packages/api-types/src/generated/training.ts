// Generated from spec/training.yaml by packages/api-types/scripts/generate.ts. Do not edit.
export interface paths {
    "/domains": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the domains (base models) a project can use */
        get: operations["GetDomains"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/domains/{domainId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get one domain */
        get: operations["GetDomain"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List projects */
        get: operations["GetProjects"];
        put?: never;
        /**
         * Create a project
         * @description The name is required; the domain defaults to General and the classification type to Multilabel. Since v3.4-preview an optional JSON body carries storage options.
         */
        post: operations["CreateProject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get one project */
        get: operations["GetProject"];
        put?: never;
        post?: never;
        /** Delete a project with its images, tags and iterations */
        delete: operations["DeleteProject"];
        options?: never;
        head?: never;
        /**
         * Change a project's name, description or settings
         * @description Send only the fields to change; the whole project comes back.
         */
        patch: operations["UpdateProject"];
        trace?: never;
    };
    "/projects/{projectId}/artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download a stored file by its relative path
         * @description Used when links in other responses are relative paths instead of absolute URLs.
         */
        get: operations["GetArtifact"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a token that lets another resource import this project */
        get: operations["ExportProject"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List images of the workspace or of an iteration
         * @description Filters combine: tag ids match images carrying any of the tags; `$filter` matches image metadata with eq, ne, and, or.
         */
        get: operations["GetImages"];
        put?: never;
        /**
         * Upload images as multipart form data or as one raw body
         * @description Multipart requests may carry up to 64 files in the `imageData` field. Answers 200 when every image was stored and 207 when some were not; each image has its own status in the summary.
         */
        post: operations["CreateImagesFromData"];
        /**
         * Delete images from the workspace
         * @description Answers 204, or 202 when all images or all iterations are targeted and removal continues in the background.
         */
        delete: operations["DeleteImages"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/{imageId}/regionproposals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Propose object regions for an image */
        post: operations["GetImageRegionProposals"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count images of the workspace or of an iteration */
        get: operations["GetImageCount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/files": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload a batch of images sent as base64 in JSON
         * @description Up to 64 images and 20 tags per batch. 200 when all were stored, 207 otherwise.
         */
        post: operations["CreateImagesFromFiles"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/id": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get images by id */
        get: operations["GetImagesByIds"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/metadata": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Set metadata key/value pairs on images
         * @description The body is a plain map of keys to values; the images are named in the query.
         */
        post: operations["UpdateImageMetadata"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/predictions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add stored prediction images to the training set
         * @description Up to 64 images and 20 tags per batch. 200 when all were stored, 207 otherwise.
         */
        post: operations["CreateImagesFromPredictions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/regions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add tagged regions to images
         * @description Coordinates are fractions of the image size (0 to 1). 200 when all were created, 207 otherwise.
         */
        post: operations["CreateImageRegions"];
        /** Delete image regions */
        delete: operations["DeleteImageRegions"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/suggested": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** List untagged images with the tags and regions an iteration suggests */
        post: operations["QuerySuggestedImages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/suggested/count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Count untagged images whose suggestions match each tag
         * @description The answer maps tag ids to counts.
         */
        post: operations["QuerySuggestedImageCount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/tagged": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List tagged images */
        get: operations["GetTaggedImages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/tagged/count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count tagged images */
        get: operations["GetTaggedImageCount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Tag images */
        post: operations["CreateImageTags"];
        /** Remove tags from images */
        delete: operations["DeleteImageTags"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/untagged": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List untagged images */
        get: operations["GetUntaggedImages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/untagged/count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count untagged images */
        get: operations["GetUntaggedImageCount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/images/urls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add images that the service fetches from URLs
         * @description Up to 64 images and 20 tags per batch. 200 when all were stored, 207 otherwise.
         */
        post: operations["CreateImagesFromUrls"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/iterations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List a project's iterations */
        get: operations["GetIterations"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/iterations/{iterationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get one iteration */
        get: operations["GetIteration"];
        put?: never;
        post?: never;
        /** Delete an iteration */
        delete: operations["DeleteIteration"];
        options?: never;
        head?: never;
        /** Rename an iteration */
        patch: operations["UpdateIteration"];
        trace?: never;
    };
    "/projects/{projectId}/iterations/{iterationId}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the exports of an iteration */
        get: operations["GetExports"];
        put?: never;
        /**
         * Start exporting an iteration to a platform
         * @description Only iterations trained on a compact domain can be exported. The export starts with status Exporting; poll GetExports until Done or Failed.
         */
        post: operations["ExportIteration"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/iterations/{iterationId}/performance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get precision, recall and average precision of an iteration */
        get: operations["GetIterationPerformance"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/iterations/{iterationId}/performance/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the images used to evaluate an iteration, with their predictions */
        get: operations["GetImagePerformances"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/iterations/{iterationId}/performance/images/count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Count the images used to evaluate an iteration */
        get: operations["GetImagePerformanceCount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/iterations/{iterationId}/publish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Publish an iteration under a name on a prediction resource
         * @description Answers the JSON literal true.
         */
        post: operations["PublishIteration"];
        /** Withdraw a published iteration */
        delete: operations["UnpublishIteration"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/predictions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete stored predictions */
        delete: operations["DeletePrediction"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/predictions/query": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Query stored predictions
         * @description Results come in pages; pass back the returned token to continue.
         */
        post: operations["QueryPredictions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/quicktest/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run an iteration on an uploaded image
         * @description Uses the latest trained iteration unless one is named. The image and prediction are stored unless `store` is false.
         */
        post: operations["QuickTestImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/quicktest/url": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run an iteration on an image fetched from a URL */
        post: operations["QuickTestImageUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List a project's tags with their image counts */
        get: operations["GetTags"];
        put?: never;
        /** Create a tag */
        post: operations["CreateTag"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/tags/{tagId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get one tag */
        get: operations["GetTag"];
        put?: never;
        post?: never;
        /** Delete a tag */
        delete: operations["DeleteTag"];
        options?: never;
        head?: never;
        /** Change a tag's name, description or type */
        patch: operations["UpdateTag"];
        trace?: never;
    };
    "/projects/{projectId}/tagsandregions/suggestions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Suggest tags and regions for untagged images */
        post: operations["SuggestTagsAndRegions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/{projectId}/train": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start training a new iteration
         * @description Returns the new iteration at once with status Training; poll GetIteration until it is Completed or Failed.
         */
        post: operations["TrainProject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/projects/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a project from an export token */
        post: operations["ImportProject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        BoundingBox: {
            /** Format: float */
            left: number;
            /** Format: float */
            top: number;
            /** Format: float */
            width: number;
            /** Format: float */
            height: number;
        };
        CustomVisionError: {
            /** @enum {string} */
            code: "NoError" | "BadRequest" | "BadRequestExceededBatchSize" | "BadRequestNotSupported" | "BadRequestInvalidIds" | "BadRequestProjectName" | "BadRequestProjectNameNotUnique" | "BadRequestProjectDescription" | "BadRequestProjectUnknownDomain" | "BadRequestProjectUnknownClassification" | "BadRequestProjectUnsupportedDomainTypeChange" | "BadRequestProjectUnsupportedExportPlatform" | "BadRequestProjectImagePreprocessingSettings" | "BadRequestProjectDuplicated" | "BadRequestIterationName" | "BadRequestIterationNameNotUnique" | "BadRequestIterationDescription" | "BadRequestIterationIsNotTrained" | "BadRequestIterationValidationFailed" | "BadRequestWorkspaceCannotBeModified" | "BadRequestWorkspaceNotDeletable" | "BadRequestTagName" | "BadRequestTagNameNotUnique" | "BadRequestTagDescription" | "BadRequestTagType" | "BadRequestMultipleNegativeTag" | "BadRequestMultipleGeneralProductTag" | "BadRequestImageTags" | "BadRequestImageRegions" | "BadRequestNegativeAndRegularTagOnSameImage" | "BadRequestUnsupportedDomain" | "BadRequestRequiredParamIsNull" | "BadRequestIterationIsPublished" | "BadRequestInvalidPublishName" | "BadRequestInvalidPublishTarget" | "BadRequestUnpublishFailed" | "BadRequestIterationNotPublished" | "BadRequestSubscriptionApi" | "BadRequestExceedProjectLimit" | "BadRequestExceedIterationPerProjectLimit" | "BadRequestExceedTagPerProjectLimit" | "BadRequestExceedTagPerImageLimit" | "BadRequestExceededQuota" | "BadRequestCannotMigrateProjectWithName" | "BadRequestNotLimitedTrial" | "BadRequestImageBatch" | "BadRequestImageStream" | "BadRequestImageUrl" | "BadRequestImageFormat" | "BadRequestImageSizeBytes" | "BadRequestImageDimensions" | "BadRequestImageExceededCount" | "BadRequestTrainingNotNeeded" | "BadRequestTrainingNotNeededButTrainingPipelineUpdated" | "BadRequestTrainingValidationFailed" | "BadRequestClassificationTrainingValidationFailed" | "BadRequestMultiClassClassificationTrainingValidationFailed" | "BadRequestMultiLabelClassificationTrainingValidationFailed" | "BadRequestDetectionTrainingValidationFailed" | "BadRequestTrainingAlreadyInProgress" | "BadRequestDetectionTrainingNotAllowNegativeTag" | "BadRequestInvalidEmailAddress" | "BadRequestDomainNotSupportedForAdvancedTraining" | "BadRequestExportPlatformNotSupportedForAdvancedTraining" | "BadRequestReservedBudgetInHoursNotEnoughForAdvancedTraining" | "BadRequestExportValidationFailed" | "BadRequestExportAlreadyInProgress" | "BadRequestPredictionIdsMissing" | "BadRequestPredictionIdsExceededCount" | "BadRequestPredictionTagsExceededCount" | "BadRequestPredictionResultsExceededCount" | "BadRequestPredictionInvalidApplicationName" | "BadRequestPredictionInvalidQueryParameters" | "BadRequestInvalidImportToken" | "BadRequestExportWhileTraining" | "BadRequestImageMetadataKey" | "BadRequestImageMetadataValue" | "BadRequestOperationNotSupported" | "BadRequestInvalidArtifactUri" | "BadRequestCustomerManagedKeyRevoked" | "BadRequestInvalid" | "UnsupportedMediaType" | "Forbidden" | "ForbiddenUser" | "ForbiddenUserResource" | "ForbiddenUserSignupDisabled" | "ForbiddenUserSignupAllowanceExceeded" | "ForbiddenUserDoesNotExist" | "ForbiddenUserDisabled" | "ForbiddenUserInsufficientCapability" | "ForbiddenDRModeEnabled" | "ForbiddenInvalid" | "NotFound" | "NotFoundProject" | "NotFoundProjectDefaultIteration" | "NotFoundIteration" | "NotFoundIterationPerformance" | "NotFoundTag" | "NotFoundImage" | "NotFoundDomain" | "NotFoundApimSubscription" | "NotFoundInvalid" | "Conflict" | "ConflictInvalid" | "ErrorUnknown" | "ErrorIterationCopyFailed" | "ErrorPreparePerformanceMigrationFailed" | "ErrorProjectInvalidWorkspace" | "ErrorProjectInvalidPipelineConfiguration" | "ErrorProjectInvalidDomain" | "ErrorProjectTrainingRequestFailed" | "ErrorProjectImportRequestFailed" | "ErrorProjectExportRequestFailed" | "ErrorFeaturizationServiceUnavailable" | "ErrorFeaturizationQueueTimeout" | "ErrorFeaturizationInvalidFeaturizer" | "ErrorFeaturizationAugmentationUnavailable" | "ErrorFeaturizationUnrecognizedJob" | "ErrorFeaturizationAugmentationError" | "ErrorExporterInvalidPlatform" | "ErrorExporterInvalidFeaturizer" | "ErrorExporterInvalidClassifier" | "ErrorPredictionServiceUnavailable" | "ErrorPredictionModelNotFound" | "ErrorPredictionModelNotCached" | "ErrorPrediction" | "ErrorPredictionStorage" | "ErrorRegionProposal" | "ErrorUnknownBaseModel" | "ErrorInvalid";
            message: string;
        };
        Domain: {
            /** Format: uuid */
            readonly id?: string;
            readonly name?: string;
            /** @enum {string} */
            readonly type?: "Classification" | "ObjectDetection";
            readonly exportable?: boolean;
            readonly enabled?: boolean;
            /** @description Platforms a model trained on this domain exports to. May name platforms outside the ExportPlatform enum. */
            readonly exportablePlatforms?: string[] | null;
            readonly modelInformation?: components["schemas"]["ModelInformation"] | null;
        };
        Export: {
            /** @enum {string} */
            readonly platform?: "CoreML" | "TensorFlow" | "DockerFile" | "ONNX" | "VAIDK" | "OpenVino";
            /** @enum {string} */
            readonly status?: "Exporting" | "Failed" | "Done";
            readonly downloadUri?: string | null;
            /** @enum {string|null} */
            readonly flavor?: "Linux" | "Windows" | "ONNX10" | "ONNX12" | "ARM" | "TensorFlowNormal" | "TensorFlowLite" | "TensorFlowLiteFloat16" | "TensorFlowJs" | "TensorFlowSavedModel" | "CoreMLFloat16" | null;
            readonly newerVersionAvailable?: boolean;
        };
        Image: {
            /** Format: uuid */
            readonly id?: string;
            /** Format: date-time */
            readonly created?: string;
            /** Format: int32 */
            readonly width?: number;
            /** Format: int32 */
            readonly height?: number;
            readonly resizedImageUri?: string | null;
            readonly thumbnailUri?: string | null;
            readonly originalImageUri?: string | null;
            readonly tags?: components["schemas"]["ImageTag"][] | null;
            readonly regions?: components["schemas"]["ImageRegion"][] | null;
            readonly metadata?: {
                [key: string]: string;
            } | null;
        };
        ImageCreateResult: {
            readonly sourceUrl?: string;
            /** @enum {string} */
            readonly status?: "OK" | "OKDuplicate" | "ErrorSource" | "ErrorImageFormat" | "ErrorImageSize" | "ErrorStorage" | "ErrorLimitExceed" | "ErrorTagLimitExceed" | "ErrorRegionLimitExceed" | "ErrorUnknown" | "ErrorNegativeAndRegularTagOnSameImage";
            readonly image?: components["schemas"]["Image"] | null;
        };
        ImageCreateSummary: {
            readonly isBatchSuccessful?: boolean;
            readonly images?: components["schemas"]["ImageCreateResult"][] | null;
        };
        ImageFileCreateBatch: {
            images?: components["schemas"]["ImageFileCreateEntry"][] | null;
            tagIds?: string[] | null;
            metadata?: {
                [key: string]: string;
            } | null;
        };
        ImageFileCreateEntry: {
            name?: string;
            /** Format: byte */
            contents?: string | null;
            tagIds?: string[] | null;
            regions?: components["schemas"]["Region"][] | null;
        };
        ImageIdCreateBatch: {
            images?: components["schemas"]["ImageIdCreateEntry"][] | null;
            tagIds?: string[] | null;
            metadata?: {
                [key: string]: string;
            } | null;
        };
        ImageIdCreateEntry: {
            /** Format: uuid */
            id?: string;
            tagIds?: string[] | null;
            regions?: components["schemas"]["Region"][] | null;
        };
        ImageMetadataUpdateEntry: {
            /** Format: uuid */
            imageId?: string;
            /** @enum {string} */
            status?: "OK" | "ErrorImageNotFound" | "ErrorLimitExceed" | "ErrorUnknown";
            metadata?: {
                [key: string]: string;
            } | null;
        };
        ImageMetadataUpdateSummary: {
            readonly isBatchSuccessful?: boolean;
            readonly images?: components["schemas"]["ImageMetadataUpdateEntry"][] | null;
        };
        ImagePerformance: {
            readonly predictions?: components["schemas"]["Prediction"][] | null;
            /** Format: uuid */
            readonly id?: string;
            /** Format: date-time */
            readonly created?: string;
            /** Format: int32 */
            readonly width?: number;
            /** Format: int32 */
            readonly height?: number;
            readonly imageUri?: string | null;
            readonly thumbnailUri?: string | null;
            readonly tags?: components["schemas"]["ImageTag"][] | null;
            readonly regions?: components["schemas"]["ImageRegion"][] | null;
        };
        ImagePrediction: {
            /** Format: uuid */
            readonly id?: string;
            /** Format: uuid */
            readonly project?: string;
            /** Format: uuid */
            readonly iteration?: string;
            /** Format: date-time */
            readonly created?: string;
            readonly predictions?: components["schemas"]["Prediction"][] | null;
        };
        ImageProcessingSettings: {
            augmentationMethods?: {
                [key: string]: boolean;
            } | null;
        };
        ImageRegion: {
            /** Format: uuid */
            readonly regionId?: string;
            readonly tagName?: string;
            /** Format: date-time */
            readonly created?: string;
            /** Format: uuid */
            tagId: string;
            /** Format: float */
            left: number;
            /** Format: float */
            top: number;
            /** Format: float */
            width: number;
            /** Format: float */
            height: number;
        };
        ImageRegionCreateBatch: {
            regions?: components["schemas"]["ImageRegionCreateEntry"][] | null;
        };
        ImageRegionCreateEntry: {
            /** Format: uuid */
            imageId: string;
            /** Format: uuid */
            tagId: string;
            /** Format: float */
            left: number;
            /** Format: float */
            top: number;
            /** Format: float */
            width: number;
            /** Format: float */
            height: number;
        };
        ImageRegionCreateResult: {
            /** Format: uuid */
            readonly imageId?: string;
            /** Format: uuid */
            readonly regionId?: string;
            readonly tagName?: string;
            /** Format: date-time */
            readonly created?: string;
            /** Format: uuid */
            tagId: string;
            /** Format: float */
            left: number;
            /** Format: float */
            top: number;
            /** Format: float */
            width: number;
            /** Format: float */
            height: number;
        };
        ImageRegionCreateSummary: {
            created?: components["schemas"]["ImageRegionCreateResult"][] | null;
            duplicated?: components["schemas"]["ImageRegionCreateEntry"][] | null;
            exceeded?: components["schemas"]["ImageRegionCreateEntry"][] | null;
        };
        ImageRegionProposal: {
            /** Format: uuid */
            readonly projectId?: string;
            /** Format: uuid */
            readonly imageId?: string;
            readonly proposals?: components["schemas"]["RegionProposal"][] | null;
        };
        ImageTag: {
            /** Format: uuid */
            readonly tagId?: string;
            readonly tagName?: string;
            /** Format: date-time */
            readonly created?: string;
        };
        ImageTagCreateBatch: {
            tags?: components["schemas"]["ImageTagCreateEntry"][] | null;
        };
        ImageTagCreateEntry: {
            /** Format: uuid */
            imageId?: string;
            /** Format: uuid */
            tagId?: string;
        };
        ImageTagCreateSummary: {
            created?: components["schemas"]["ImageTagCreateEntry"][] | null;
            duplicated?: components["schemas"]["ImageTagCreateEntry"][] | null;
            exceeded?: components["schemas"]["ImageTagCreateEntry"][] | null;
        };
        ImageUrl: {
            url: string;
        };
        ImageUrlCreateBatch: {
            images?: components["schemas"]["ImageUrlCreateEntry"][] | null;
            tagIds?: string[] | null;
            metadata?: {
                [key: string]: string;
            } | null;
        };
        ImageUrlCreateEntry: {
            url: string;
            tagIds?: string[] | null;
            regions?: components["schemas"]["Region"][] | null;
        };
        Iteration: {
            /** Format: uuid */
            readonly id?: string;
            name: string;
            readonly status?: string;
            /** Format: date-time */
            readonly created?: string;
            /** Format: date-time */
            readonly lastModified?: string;
            /** Format: date-time */
            readonly trainedAt?: string | null;
            /** Format: uuid */
            readonly projectId?: string;
            readonly exportable?: boolean;
            readonly exportableTo?: ("CoreML" | "TensorFlow" | "DockerFile" | "ONNX" | "VAIDK" | "OpenVino")[] | null;
            /** Format: uuid */
            readonly domainId?: string | null;
            /** @enum {string|null} */
            readonly classificationType?: "Multiclass" | "Multilabel" | null;
            /** @enum {string} */
            readonly trainingType?: "Regular" | "Advanced";
            /** Format: int32 */
            readonly reservedBudgetInHours?: number;
            /** Format: int32 */
            readonly trainingTimeInMinutes?: number;
            readonly publishName?: string | null;
            readonly originalPublishResourceId?: string | null;
            readonly customBaseModelInfo?: components["schemas"]["CustomBaseModelInfo"] | null;
            /** @description Why training failed, when it did. */
            readonly trainingErrorDetails?: string | null;
        };
        IterationPerformance: {
            readonly perTagPerformance?: components["schemas"]["TagPerformance"][] | null;
            /** Format: float */
            readonly precision?: number;
            /** Format: float */
            readonly precisionStdDeviation?: number;
            /** Format: float */
            readonly recall?: number;
            /** Format: float */
            readonly recallStdDeviation?: number;
            /** Format: float */
            readonly averagePrecision?: number | null;
        };
        Prediction: {
            /** Format: float */
            readonly probability?: number;
            /** Format: uuid */
            readonly tagId?: string;
            readonly tagName?: string | null;
            readonly boundingBox?: components["schemas"]["BoundingBox"] | null;
            /** @enum {string|null} */
            readonly tagType?: "Regular" | "Negative" | "GeneralProduct" | null;
        };
        PredictionQueryResult: {
            token?: components["schemas"]["PredictionQueryToken"] | null;
            readonly results?: components["schemas"]["StoredImagePrediction"][] | null;
        };
        PredictionQueryTag: {
            /** Format: uuid */
            id?: string;
            /** Format: float */
            minThreshold?: number;
            /** Format: float */
            maxThreshold?: number;
        };
        PredictionQueryToken: {
            session?: string;
            continuation?: string | null;
            /** Format: int32 */
            maxCount?: number;
            /** @enum {string} */
            orderBy?: "Newest" | "Oldest" | "Suggested";
            tags?: components["schemas"]["PredictionQueryTag"][] | null;
            /** Format: uuid */
            iterationId?: string | null;
            /** Format: date-time */
            startTime?: string | null;
            /** Format: date-time */
            endTime?: string | null;
            application?: string | null;
        };
        Project: {
            /** Format: uuid */
            readonly id?: string;
            name: string;
            description: string | null;
            settings: components["schemas"]["ProjectSettings"];
            /** Format: date-time */
            readonly created?: string;
            /** Format: date-time */
            readonly lastModified?: string;
            readonly thumbnailUri?: string | null;
            readonly drModeEnabled?: boolean | null;
            /** @enum {string} */
            status?: "Succeeded" | "Importing" | "Failed";
        };
        ProjectExport: {
            /** Format: int32 */
            readonly iterationCount?: number;
            /** Format: int32 */
            readonly imageCount?: number;
            /** Format: int32 */
            readonly tagCount?: number;
            /** Format: int32 */
            readonly regionCount?: number;
            /** Format: int32 */
            readonly estimatedImportTimeInMS?: number;
            readonly token?: string;
        };
        ProjectSettings: {
            /** Format: uuid */
            domainId?: string;
            /** @enum {string|null} */
            classificationType?: "Multiclass" | "Multilabel" | null;
            targetExportPlatforms?: ("CoreML" | "TensorFlow" | "DockerFile" | "ONNX" | "VAIDK" | "OpenVino")[] | null;
            readonly useNegativeSet?: boolean | null;
            readonly detectionParameters?: string | null;
            imageProcessingSettings?: components["schemas"]["ImageProcessingSettings"] | null;
        };
        Region: {
            /** Format: uuid */
            tagId: string;
            /** Format: float */
            left: number;
            /** Format: float */
            top: number;
            /** Format: float */
            width: number;
            /** Format: float */
            height: number;
        };
        RegionProposal: {
            /** Format: float */
            readonly confidence?: number;
            readonly boundingBox?: components["schemas"]["BoundingBox"] | null;
        };
        StoredImagePrediction: {
            readonly resizedImageUri?: string | null;
            readonly thumbnailUri?: string | null;
            readonly originalImageUri?: string | null;
            /** Format: uuid */
            readonly domain?: string;
            /** Format: uuid */
            readonly id?: string;
            /** Format: uuid */
            readonly project?: string;
            /** Format: uuid */
            readonly iteration?: string;
            /** Format: date-time */
            readonly created?: string;
            readonly predictions?: components["schemas"]["Prediction"][] | null;
        };
        StoredSuggestedTagAndRegion: {
            /** Format: int32 */
            readonly width?: number;
            /** Format: int32 */
            readonly height?: number;
            readonly resizedImageUri?: string | null;
            readonly thumbnailUri?: string | null;
            readonly originalImageUri?: string | null;
            /** Format: uuid */
            readonly domain?: string;
            /** Format: uuid */
            readonly id?: string;
            /** Format: uuid */
            readonly project?: string;
            /** Format: uuid */
            readonly iteration?: string;
            /** Format: date-time */
            readonly created?: string;
            readonly predictions?: components["schemas"]["Prediction"][] | null;
            /** Format: double */
            readonly predictionUncertainty?: number;
        };
        SuggestedTagAndRegion: {
            /** Format: uuid */
            readonly id?: string;
            /** Format: uuid */
            readonly project?: string;
            /** Format: uuid */
            readonly iteration?: string;
            /** Format: date-time */
            readonly created?: string;
            readonly predictions?: components["schemas"]["Prediction"][] | null;
            /** Format: double */
            readonly predictionUncertainty?: number;
        };
        SuggestedTagAndRegionQuery: {
            token?: components["schemas"]["SuggestedTagAndRegionQueryToken"] | null;
            readonly results?: components["schemas"]["StoredSuggestedTagAndRegion"][] | null;
        };
        SuggestedTagAndRegionQueryToken: {
            tagIds?: string[] | null;
            /** Format: double */
            threshold?: number;
            session?: string;
            continuation?: string | null;
            /** Format: int32 */
            maxCount?: number;
            /** @enum {string} */
            sortBy?: "UncertaintyAscending" | "UncertaintyDescending";
        };
        Tag: {
            /** Format: uuid */
            readonly id?: string;
            name: string;
            description: string | null;
            /** @enum {string} */
            type: "Regular" | "Negative" | "GeneralProduct";
            /** Format: int32 */
            readonly imageCount?: number;
        };
        TagFilter: {
            tagIds?: string[] | null;
            /** Format: double */
            threshold?: number;
        };
        TagPerformance: {
            /** Format: uuid */
            readonly id?: string;
            readonly name?: string;
            /** Format: float */
            readonly precision?: number;
            /** Format: float */
            readonly precisionStdDeviation?: number;
            /** Format: float */
            readonly recall?: number;
            /** Format: float */
            readonly recallStdDeviation?: number;
            /** Format: float */
            readonly averagePrecision?: number | null;
        };
        TrainingParameters: {
            selectedTags?: string[] | null;
            customBaseModelInfo?: components["schemas"]["CustomBaseModelInfo"] | null;
        };
        /** @description Storage options for a new project. */
        CreateProjectOptions: {
            /** @description Azure Storage container that receives exported models. */
            exportModelContainerUri?: string | null;
            /** @description Azure Storage queue that receives notifications. */
            notificationQueueUri?: string | null;
        };
        /** @description A previous iteration to start training from. */
        CustomBaseModelInfo: {
            /** Format: uuid */
            projectId: string;
            /** Format: uuid */
            iterationId: string;
        };
        /** @description What a domain's base model is. */
        ModelInformation: {
            /** Format: int32 */
            estimatedModelSizeInMegabytes?: number;
            description?: string | null;
        };
    };
    responses: {
        /** @description An error; `code` says which. */
        Error: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["CustomVisionError"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    GetDomains: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Domain"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetDomain: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Domain id. */
                domainId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Domain"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetProjects: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    CreateProject: {
        parameters: {
            query: {
                /** @description Name. */
                name: string;
                /** @description Description. */
                description?: string;
                /** @description Domain id. */
                domainId?: string;
                /** @description Multiclass (one tag per image) or Multilabel. */
                classificationType?: "Multiclass" | "Multilabel";
                /** @description Export platforms the project should stay compatible with, comma-separated. */
                targetExportPlatforms?: ("CoreML" | "TensorFlow" | "DockerFile" | "ONNX" | "VAIDK" | "OpenVino")[];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Optional storage options. */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["CreateProjectOptions"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetProject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    DeleteProject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    UpdateProject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description The fields to change. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["Project"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetArtifact: {
        parameters: {
            query: {
                /** @description Relative path of the artifact. */
                path: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            default: components["responses"]["Error"];
        };
    };
    ExportProject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProjectExport"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetImages: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
                /** @description Tag ids, comma-separated (at most 20). */
                tagIds?: string[];
                /** @description Which images to include by tagging state; All by default. */
                taggingStatus?: "All" | "Tagged" | "Untagged";
                /** @description Metadata filter, e.g. `key1 eq 'a' and key2 ne 'b'`. */
                $filter?: string;
                /** @description Sort order by creation date; Newest by default. */
                orderBy?: "Newest" | "Oldest";
                /** @description Page size (default 50, at most 256). */
                take?: number;
                /** @description Number of items to skip (default 0). */
                skip?: number;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    CreateImagesFromData: {
        parameters: {
            query?: {
                /** @description Tag ids, comma-separated (at most 20). */
                tagIds?: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description Image bytes (JPEG, PNG, BMP or GIF). */
        requestBody: {
            content: {
                "multipart/form-data": {
                    /** Format: binary */
                    imageData: string;
                };
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageCreateSummary"];
                };
            };
            /** @description Some items failed; each carries its own status */
            207: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageCreateSummary"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    DeleteImages: {
        parameters: {
            query?: {
                /** @description Image ids, comma-separated. */
                imageIds?: string[];
                /** @description Delete every image of the project. */
                allImages?: boolean;
                /** @description Also remove the images from trained iterations. */
                allIterations?: boolean;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Accepted */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    GetImageRegionProposals: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Image id. */
                imageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageRegionProposal"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetImageCount: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
                /** @description Which images to include by tagging state; All by default. */
                taggingStatus?: "All" | "Tagged" | "Untagged";
                /** @description Metadata filter, e.g. `key1 eq 'a' and key2 ne 'b'`. */
                $filter?: string;
                /** @description Tag ids, comma-separated (at most 20). */
                tagIds?: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": number;
                };
            };
            default: components["responses"]["Error"];
        };
    };
    CreateImagesFromFiles: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description The batch. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageFileCreateBatch"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageCreateSummary"];
                };
            };
            /** @description Some items failed; each carries its own status */
            207: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageCreateSummary"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetImagesByIds: {
        parameters: {
            query?: {
                /** @description Image ids, comma-separated. */
                imageIds?: string[];
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    UpdateImageMetadata: {
        parameters: {
            query: {
                /** @description Image ids, comma-separated. */
                imageIds: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description Metadata keys and values. */
        requestBody: {
            content: {
                "application/json": {
                    [key: string]: string;
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageMetadataUpdateSummary"];
                };
            };
            /** @description Some items failed; each carries its own status */
            207: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageMetadataUpdateSummary"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    CreateImagesFromPredictions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description The batch. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageIdCreateBatch"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageCreateSummary"];
                };
            };
            /** @description Some items failed; each carries its own status */
            207: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageCreateSummary"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    CreateImageRegions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description The batch. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageRegionCreateBatch"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageRegionCreateSummary"];
                };
            };
            /** @description Some items failed; each carries its own status */
            207: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageRegionCreateSummary"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    DeleteImageRegions: {
        parameters: {
            query: {
                /** @description Region ids, comma-separated. */
                regionIds: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    QuerySuggestedImages: {
        parameters: {
            query: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description Query. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["SuggestedTagAndRegionQueryToken"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuggestedTagAndRegionQuery"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    QuerySuggestedImageCount: {
        parameters: {
            query: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description Query. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["TagFilter"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: number;
                    };
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetTaggedImages: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
                /** @description Tag ids, comma-separated (at most 20). */
                tagIds?: string[];
                /** @description Sort order by creation date; Newest by default. */
                orderBy?: "Newest" | "Oldest";
                /** @description Page size (default 50, at most 256). */
                take?: number;
                /** @description Number of items to skip (default 0). */
                skip?: number;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetTaggedImageCount: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
                /** @description Tag ids, comma-separated (at most 20). */
                tagIds?: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": number;
                };
            };
            default: components["responses"]["Error"];
        };
    };
    CreateImageTags: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description The batch. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageTagCreateBatch"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageTagCreateSummary"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    DeleteImageTags: {
        parameters: {
            query: {
                /** @description Image ids, comma-separated. */
                imageIds: string[];
                /** @description Tag ids, comma-separated (at most 20). */
                tagIds: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    GetUntaggedImages: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
                /** @description Sort order by creation date; Newest by default. */
                orderBy?: "Newest" | "Oldest";
                /** @description Page size (default 50, at most 256). */
                take?: number;
                /** @description Number of items to skip (default 0). */
                skip?: number;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetUntaggedImageCount: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": number;
                };
            };
            default: components["responses"]["Error"];
        };
    };
    CreateImagesFromUrls: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description The batch. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageUrlCreateBatch"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageCreateSummary"];
                };
            };
            /** @description Some items failed; each carries its own status */
            207: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageCreateSummary"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetIterations: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Iteration"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetIteration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Iteration"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    DeleteIteration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    UpdateIteration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        /** @description The fields to change. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["Iteration"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Iteration"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetExports: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Export"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    ExportIteration: {
        parameters: {
            query: {
                /** @description Target platform. */
                platform: "CoreML" | "TensorFlow" | "DockerFile" | "ONNX" | "VAIDK" | "OpenVino";
                /** @description Variant of the platform. */
                flavor?: "Linux" | "Windows" | "ONNX10" | "ONNX12" | "ARM" | "TensorFlowNormal" | "TensorFlowLite" | "TensorFlowLiteFloat16" | "TensorFlowJs" | "TensorFlowSavedModel" | "CoreMLFloat16";
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Export"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetIterationPerformance: {
        parameters: {
            query?: {
                /** @description Probability threshold at which precision and recall are computed (default 0.5). */
                threshold?: number;
                /** @description Bounding-box overlap threshold for object detection. */
                overlapThreshold?: number;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IterationPerformance"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetImagePerformances: {
        parameters: {
            query?: {
                /** @description Tag ids, comma-separated (at most 20). */
                tagIds?: string[];
                /** @description Sort order by creation date; Newest by default. */
                orderBy?: "Newest" | "Oldest";
                /** @description Page size (default 50, at most 256). */
                take?: number;
                /** @description Number of items to skip (default 0). */
                skip?: number;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImagePerformance"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetImagePerformanceCount: {
        parameters: {
            query?: {
                /** @description Tag ids, comma-separated (at most 20). */
                tagIds?: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": number;
                };
            };
            default: components["responses"]["Error"];
        };
    };
    PublishIteration: {
        parameters: {
            query: {
                /** @description Name under which the prediction API serves the iteration. */
                publishName: string;
                /** @description Resource id of the prediction resource. */
                predictionId: string;
                /** @description Replace an iteration already published under the same name. */
                overwrite?: boolean;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": boolean;
                };
            };
            default: components["responses"]["Error"];
        };
    };
    UnpublishIteration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    DeletePrediction: {
        parameters: {
            query: {
                /** @description Prediction ids, comma-separated. */
                ids: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    QueryPredictions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description Query. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["PredictionQueryToken"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PredictionQueryResult"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    QuickTestImage: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
                /** @description Store the image and the prediction (default true). */
                store?: boolean;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description Image bytes (JPEG, PNG, BMP or GIF). */
        requestBody: {
            content: {
                "multipart/form-data": {
                    /** Format: binary */
                    imageData: string;
                };
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImagePrediction"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    QuickTestImageUrl: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
                /** @description Store the image and the prediction (default true). */
                store?: boolean;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description Object with the URL of the image. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageUrl"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImagePrediction"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetTags: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tag"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    CreateTag: {
        parameters: {
            query: {
                /** @description Name. */
                name: string;
                /** @description Description. */
                description?: string;
                /** @description Tag type. */
                type?: "Regular" | "Negative" | "GeneralProduct";
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tag"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    GetTag: {
        parameters: {
            query?: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Tag id. */
                tagId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tag"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    DeleteTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Tag id. */
                tagId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No content */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            default: components["responses"]["Error"];
        };
    };
    UpdateTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Tag id. */
                tagId: string;
            };
            cookie?: never;
        };
        /** @description The fields to change. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["Tag"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tag"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    SuggestTagsAndRegions: {
        parameters: {
            query: {
                /** @description Iteration id; the workspace (current images) when omitted, unless the operation requires it. */
                iterationId: string;
                /** @description Image ids, comma-separated. */
                imageIds: string[];
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SuggestedTagAndRegion"][];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    TrainProject: {
        parameters: {
            query?: {
                /** @description Regular or Advanced. */
                trainingType?: "Regular" | "Advanced";
                /** @description Hours an Advanced training may use. */
                reservedBudgetInHours?: number;
                /** @description Train even when nothing changed since the last iteration. */
                forceTrain?: boolean;
                /** @description Address to notify when training ends. */
                notificationEmailAddress?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
            };
            cookie?: never;
        };
        /** @description Optional training parameters. */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["TrainingParameters"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Iteration"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
    ImportProject: {
        parameters: {
            query: {
                /** @description Token returned by ExportProject. */
                token: string;
                /** @description Name. */
                name?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            default: components["responses"]["Error"];
        };
    };
}
