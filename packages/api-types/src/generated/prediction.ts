// Generated from spec/prediction.yaml by packages/api-types/scripts/generate.ts. Do not edit.
export interface paths {
    "/{projectId}/classify/iterations/{publishedName}/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Classify an uploaded image and store the result */
        post: operations["ImageClassifier_ClassifyImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{projectId}/classify/iterations/{publishedName}/image/nostore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Classify an uploaded image without storing it */
        post: operations["ImageClassifier_ClassifyImageWithoutSaving"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{projectId}/classify/iterations/{publishedName}/url": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Classify an image fetched from a URL and store the result */
        post: operations["ImageClassifier_ClassifyImageUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{projectId}/classify/iterations/{publishedName}/url/nostore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Classify an image fetched from a URL without storing it */
        post: operations["ImageClassifier_ClassifyImageUrlWithoutSaving"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{projectId}/detect/iterations/{publishedName}/image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Detect objects in an uploaded image and store the result */
        post: operations["ObjectDetector_AnalyzeImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{projectId}/detect/iterations/{publishedName}/image/nostore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Detect objects in an uploaded image without storing it */
        post: operations["ObjectDetector_AnalyzeImageWithoutSaving"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{projectId}/detect/iterations/{publishedName}/url": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Detect objects in an image fetched from a URL and store the result */
        post: operations["ObjectDetector_AnalyzeImageUrl"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/{projectId}/detect/iterations/{publishedName}/url/nostore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Detect objects in an image fetched from a URL without storing it */
        post: operations["ObjectDetector_AnalyzeImageUrlWithoutSaving"];
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
        ImageUrl: {
            url: string;
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
    ImageClassifier_ClassifyImage: {
        parameters: {
            query?: {
                /** @description Optional name of the calling application, stored with the prediction. */
                application?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Name the iteration was published under. */
                publishedName: string;
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
    ImageClassifier_ClassifyImageWithoutSaving: {
        parameters: {
            query?: {
                /** @description Optional name of the calling application, stored with the prediction. */
                application?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Name the iteration was published under. */
                publishedName: string;
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
    ImageClassifier_ClassifyImageUrl: {
        parameters: {
            query?: {
                /** @description Optional name of the calling application, stored with the prediction. */
                application?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Name the iteration was published under. */
                publishedName: string;
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
    ImageClassifier_ClassifyImageUrlWithoutSaving: {
        parameters: {
            query?: {
                /** @description Optional name of the calling application, stored with the prediction. */
                application?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Name the iteration was published under. */
                publishedName: string;
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
    ObjectDetector_AnalyzeImage: {
        parameters: {
            query?: {
                /** @description Optional name of the calling application, stored with the prediction. */
                application?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Name the iteration was published under. */
                publishedName: string;
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
    ObjectDetector_AnalyzeImageWithoutSaving: {
        parameters: {
            query?: {
                /** @description Optional name of the calling application, stored with the prediction. */
                application?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Name the iteration was published under. */
                publishedName: string;
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
    ObjectDetector_AnalyzeImageUrl: {
        parameters: {
            query?: {
                /** @description Optional name of the calling application, stored with the prediction. */
                application?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Name the iteration was published under. */
                publishedName: string;
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
    ObjectDetector_AnalyzeImageUrlWithoutSaving: {
        parameters: {
            query?: {
                /** @description Optional name of the calling application, stored with the prediction. */
                application?: string;
            };
            header?: never;
            path: {
                /** @description Project id. */
                projectId: string;
                /** @description Name the iteration was published under. */
                publishedName: string;
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
}
