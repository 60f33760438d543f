namespace SkillInference.Registry;

/// <summary>An object read from a model store, with the generation to use in a conditional write.</summary>
/// <param name="Content">The bytes.</param>
/// <param name="Generation">An opaque token that changes whenever the object is rewritten.</param>
public sealed record StoredObject(ReadOnlyMemory<byte> Content, string Generation);
