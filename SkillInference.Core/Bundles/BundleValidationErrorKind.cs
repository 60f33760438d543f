namespace SkillInference.Bundles;

/// <summary>Why a bundle was refused.</summary>
public enum BundleValidationErrorKind
{
    /// <summary>manifest.json is missing, not JSON, or lacks required fields.</summary>
    InvalidManifest,

    /// <summary>The model file's SHA-256 differs from the manifest's.</summary>
    ChecksumMismatch,

    /// <summary>The feature schema, scaler, statistics or importance are inconsistent.</summary>
    InvalidSchema,

    /// <summary>The format is unknown, or no engine for it (or none of the configured <see cref="Engines.ScoringEngine"/>) is registered in this process.</summary>
    UnsupportedFormat,

    /// <summary>The model file is missing or cannot be loaded, or its input size differs from the schema.</summary>
    InvalidModel,
}
