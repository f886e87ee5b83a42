"""boto3 (unchanged) against ecdkp's AWS dialect: run by TestBoto3.

Reads the endpoint, credentials and key ids from the environment, prints
one "ok NAME" line per property and exits non-zero at the first that fails.
"""
import base64
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

env = os.environ
kms = boto3.client(
    "kms",
    endpoint_url=env["ENDPOINT"],
    region_name=env["REGION"],
    aws_access_key_id=env["AK"],
    aws_secret_access_key=env["SK"],
    config=Config(retries={"max_attempts": 1}),
)
# A client as boto3 makes it by default (legacy retries, 5 attempts).
default = boto3.client(
    "kms",
    endpoint_url=env["ENDPOINT"],
    region_name=env["REGION"],
    aws_access_key_id=env["AK"],
    aws_secret_access_key=env["SK"],
)
key, other, disabled, missing = env["KEY_ID"], env["OTHER_KEY_ID"], env["DISABLED_KEY_ID"], env["MISSING_KEY_ID"]
arn = "arn:aws:kms:%s:%s:key/%s" % (env["REGION"], env["ACCOUNT"], key)


def ok(name):
    print("ok " + name, flush=True)


def code_of(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


for spec in ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "SM2", "ECC_NIST_EDWARDS25519"]:
    ec = {"purpose": "boto3", "spec": spec}
    out = kms.generate_data_key_pair(KeyId=key, KeyPairSpec=spec, EncryptionContext=ec, GrantTokens=["g1"])
    assert out["KeyId"] == arn, out["KeyId"]
    assert out["KeyPairSpec"] == spec
    assert out["PublicKey"] and out["PrivateKeyPlaintext"] and out["PrivateKeyCiphertextBlob"]
    assert len(out["KeyMaterialId"]) == 64
    dec = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext=ec, KeyId=arn)
    assert dec["Plaintext"] == out["PrivateKeyPlaintext"]
    assert dec["KeyId"] == arn
    np = kms.generate_data_key_pair_without_plaintext(KeyId=key, KeyPairSpec=spec, EncryptionContext=ec)
    assert "PrivateKeyPlaintext" not in np
    dec = kms.decrypt(CiphertextBlob=np["PrivateKeyCiphertextBlob"], EncryptionContext=ec)
    assert dec["Plaintext"]
    ok("spec " + spec)

made = kms.generate_data_key_pair_without_plaintext(KeyId=key, KeyPairSpec="ECC_NIST_P256", EncryptionContext={"a": "bc"})
blob = made["PrivateKeyCiphertextBlob"]
for name, want, call, kw in [
    ("NotFoundException", 400, kms.generate_data_key_pair, dict(KeyId=missing, KeyPairSpec="SM2")),
    ("DisabledException", 400, kms.generate_data_key_pair, dict(KeyId=disabled, KeyPairSpec="SM2")),
    ("InvalidCiphertextException", 400, kms.decrypt, dict(CiphertextBlob=blob, EncryptionContext={"ab": "c"})),
    ("IncorrectKeyException", 400, kms.decrypt, dict(CiphertextBlob=blob, EncryptionContext={"a": "bc"}, KeyId=other)),
    ("DryRunOperationException", 412, kms.generate_data_key_pair, dict(KeyId=key, KeyPairSpec="ECC_NIST_P384", DryRun=True)),
    ("DryRunOperationException", 412, kms.decrypt, dict(CiphertextBlob=blob, EncryptionContext={"a": "bc"}, DryRun=True)),
    ("ValidationException", 400, kms.generate_data_key_pair, dict(KeyId=key, KeyPairSpec="RSA_2048")),
]:
    code, status = code_of(call, **kw)
    assert (code, status) == (name, want), (name, code, status)
    ok("error " + name)
try:
    kms.generate_data_key_pair(KeyId=missing, KeyPairSpec="ECC_NIST_P521")
    sys.exit("a missing key was accepted")
except kms.exceptions.NotFoundException:
    ok("modeled exception class NotFoundException")

out = kms.generate_data_key_pair(
    KeyId=key,
    KeyPairSpec="ECC_NIST_P256",
    Recipient={"AttestationDocument": base64.b64decode(env["ATTESTATION_DOCUMENT"]), "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"},
)
assert "PrivateKeyPlaintext" not in out and out["CiphertextForRecipient"]
ok("recipient")

# Identical calls in a row: botocore does not sign its amz-sdk-invocation-id
# header, so identical requests signed within one second carry one
# signature. The server refuses the repeat (a replay) as ThrottlingException with a
# retry-after of a second, and botocore's retry, signed anew, is answered:
# every call succeeds, and every answer is a fresh key pair.
pairs = [default.generate_data_key_pair_without_plaintext(KeyId=key, KeyPairSpec="ECC_NIST_P256")["PublicKey"] for _ in range(3)]
assert len(set(pairs)) == 3, "identical calls must each get a fresh pair"
ok("identical calls within a second (retried signed anew)")
created = [default.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)]
assert len(set(created)) == 3
listed = []
for page in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 2}):
    listed += [k["KeyId"] for k in page["Keys"]]
assert set(created + [key, other, disabled]) <= set(listed), listed
ok("list_keys paginator (%d keys)" % len(listed))
kms.disable_key(KeyId=created[0])
assert kms.describe_key(KeyId=created[0])["KeyMetadata"]["KeyState"] == "Disabled"
kms.enable_key(KeyId=created[0])
assert kms.schedule_key_deletion(KeyId=created[0], PendingWindowInDays=7)["KeyState"] == "PendingDeletion"
kms.cancel_key_deletion(KeyId=created[0])
assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "Enabled"
ok("key management")
print("boto3 %s: all passed" % boto3.__version__)
