namespace SkillInference.GoogleCloud.Storage;

/// <summary>A download's bytes did not match the object's hash. An <see cref="IOException"/>, so it counts as transient and is retried.</summary>
internal sealed class CorruptDownloadException(string message) : IOException(message);
