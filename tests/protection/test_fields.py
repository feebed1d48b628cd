from __future__ import annotations

import base64

import pytest

from protection.envelope_keys import DataKey, generate_data_key
from protection.errors import FieldTampered, MalformedCiphertext
from protection.fields import PREFIX, ciphertext_key_id, decrypt_field, encrypt_field

SECRET = "Mother disclosed that her partner hit the child on 3 March."


@pytest.fixture
def data_key() -> DataKey:
    return generate_data_key()


def _seal(data_key: DataKey, node_id: str = "record-1", field: str = "summary") -> str:
    return encrypt_field(data_key, node_id=node_id, field=field, plaintext=SECRET)


class TestRoundTrip:
    def test_decrypting_with_the_same_key_node_and_field_returns_the_plaintext(
        self, data_key: DataKey
    ) -> None:
        ciphertext = _seal(data_key)

        assert (
            decrypt_field(data_key, node_id="record-1", field="summary", ciphertext=ciphertext)
            == SECRET
        )

    def test_unicode_and_empty_text_survive(self, data_key: DataKey) -> None:
        for text in ("", "Zoë says “no” 🙂", "x" * 10_000):
            sealed = encrypt_field(data_key, node_id="n", field="body", plaintext=text)
            assert decrypt_field(data_key, node_id="n", field="body", ciphertext=sealed) == text


class TestCiphertextHidesPlaintext:
    def test_stored_string_contains_no_plaintext_in_text_or_decoded_bytes(
        self, data_key: DataKey
    ) -> None:
        ciphertext = _seal(data_key)
        body = ciphertext.removeprefix(PREFIX)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))

        assert ciphertext.startswith(PREFIX)
        for fragment in ("partner", "child", "March"):
            assert fragment not in ciphertext
            assert fragment.encode() not in raw


class TestBinding:
    def test_ciphertext_moved_to_another_node_fails_as_tampered(self, data_key: DataKey) -> None:
        ciphertext = _seal(data_key, node_id="record-1")

        with pytest.raises(FieldTampered):
            decrypt_field(data_key, node_id="record-2", field="summary", ciphertext=ciphertext)

    def test_ciphertext_moved_to_another_field_fails_as_tampered(self, data_key: DataKey) -> None:
        ciphertext = _seal(data_key, field="summary")

        with pytest.raises(FieldTampered):
            decrypt_field(data_key, node_id="record-1", field="rationale", ciphertext=ciphertext)

    def test_node_and_field_boundaries_cannot_be_shifted(self, data_key: DataKey) -> None:
        ciphertext = encrypt_field(data_key, node_id="a:b", field="c", plaintext=SECRET)

        with pytest.raises(FieldTampered):
            decrypt_field(data_key, node_id="a", field="b:c", ciphertext=ciphertext)

    def test_flipped_byte_fails_as_tampered(self, data_key: DataKey) -> None:
        ciphertext = _seal(data_key)
        body = ciphertext.removeprefix(PREFIX)
        raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        raw[-1] ^= 0x01
        edited = PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")

        with pytest.raises(FieldTampered):
            decrypt_field(data_key, node_id="record-1", field="summary", ciphertext=edited)


class TestWrongKey:
    def test_another_data_key_fails_as_tampered(self, data_key: DataKey) -> None:
        ciphertext = _seal(data_key)

        with pytest.raises(FieldTampered):
            decrypt_field(
                generate_data_key(), node_id="record-1", field="summary", ciphertext=ciphertext
            )

    def test_another_key_under_the_same_id_fails_as_tampered(self, data_key: DataKey) -> None:
        impostor = DataKey(key_id=data_key.key_id, secret=generate_data_key().secret)
        ciphertext = _seal(data_key)

        with pytest.raises(FieldTampered):
            decrypt_field(impostor, node_id="record-1", field="summary", ciphertext=ciphertext)


class TestHeader:
    def test_header_names_the_data_key(self, data_key: DataKey) -> None:
        assert ciphertext_key_id(_seal(data_key)) == data_key.key_id

    def test_key_material_never_appears_in_repr(self, data_key: DataKey) -> None:
        assert data_key.secret.hex() not in repr(data_key)
        assert str(data_key.secret) not in repr(data_key)

    def test_text_that_is_not_a_hub_ciphertext_is_malformed(self, data_key: DataKey) -> None:
        for value in ("plain text", PREFIX + "!!!", PREFIX + "AQ"):
            with pytest.raises(MalformedCiphertext):
                decrypt_field(data_key, node_id="n", field="f", ciphertext=value)


class TestNonces:
    def test_encrypting_the_same_text_twice_gives_different_ciphertexts(
        self, data_key: DataKey
    ) -> None:
        sealed = {_seal(data_key) for _ in range(50)}
        nonces = set()
        for ciphertext in sealed:
            body = ciphertext.removeprefix(PREFIX)
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            header_length = 2 + raw[1]
            nonces.add(raw[header_length : header_length + 12])

        assert len(sealed) == 50
        assert len(nonces) == 50
