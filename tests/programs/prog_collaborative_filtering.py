"""Collaborative filtering for movie recommendations (keras.io example), in small.

Generated ratings (users and movies with sparse ids, 0.5-5.0 stars from hidden
taste factors) take the place of MovieLens: the example's id encoding, shuffling,
min-max scaled targets and 90/10 split; the subclassed `RecommenderNet`
(Embeddings with `he_normal` and `embeddings_regularizer=keras.regularizers.l2(1e-6)`,
bias Embeddings, `ops.tensordot(user_vector, movie_vector, 2)`, sigmoid) trained
with `BinaryCrossentropy` and `validation_data`; top-10 recommendations for one
user with `argsort`; the model saved and reloaded through
`register_keras_serializable`. Then a functional two-tower variant (named Inputs,
Embedding, Flatten, `Dot(normalize=True)`, Concatenate) fitted from a dict, whose
item embeddings are read with `model.get_layer(...).get_weights()` for cosine
similar-movie lookups, with `get_config`/`from_config` and a `.keras` round trip.
"""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    # Generated ratings in place of ratings.csv: userId, movieId, rating.
    rng = np.random.default_rng(7)
    n_users, n_movies, n_factors = 30, 40, 3
    raw_user_ids = np.sort(rng.choice(1000, n_users, replace=False)) + 1
    raw_movie_ids = np.sort(rng.choice(5000, n_movies, replace=False)) + 1
    user_taste = rng.normal(size=(n_users, n_factors))
    movie_traits = rng.normal(size=(n_movies, n_factors))
    user_leniency = rng.normal(scale=0.8, size=n_users)
    movie_quality = rng.normal(scale=1.0, size=n_movies)
    rows = []
    for u in range(n_users):
        for m in rng.choice(n_movies, 20, replace=False):
            score = user_taste[u] @ movie_traits[m] * 0.5 + rng.normal(scale=0.3)
            score += user_leniency[u] + movie_quality[m]
            stars = np.clip(np.round((3.0 + score) * 2) / 2, 0.5, 5.0)
            rows.append((raw_user_ids[u], raw_movie_ids[m], stars))
    ratings = np.array(rows, dtype="float64")
    ratings = ratings[rng.permutation(len(ratings))]  # the file's order
    user_col = ratings[:, 0].astype("int64")
    movie_col = ratings[:, 1].astype("int64")
    rating_col = ratings[:, 2].astype("float32")

    user_ids = list(dict.fromkeys(user_col.tolist()))  # df["userId"].unique()
    user2user_encoded = {x: i for i, x in enumerate(user_ids)}
    userencoded2user = {i: x for i, x in enumerate(user_ids)}
    movie_ids = list(dict.fromkeys(movie_col.tolist()))
    movie2movie_encoded = {x: i for i, x in enumerate(movie_ids)}
    movie_encoded2movie = {i: x for i, x in enumerate(movie_ids)}
    user = np.array([user2user_encoded[x] for x in user_col])
    movie = np.array([movie2movie_encoded[x] for x in movie_col])

    num_users = len(user2user_encoded)
    num_movies = len(movie_encoded2movie)
    min_rating = float(np.min(rating_col))
    max_rating = float(np.max(rating_col))
    assert (num_users, num_movies) == (n_users, n_movies)

    # df.sample(frac=1, random_state=42)
    order = np.random.default_rng(42).permutation(len(user))
    x = np.stack([user, movie], axis=1)[order]
    # Normalize the targets between 0 and 1. Makes it easy to train.
    y = ((rating_col - min_rating) / (max_rating - min_rating))[order]
    # Assuming training on 90% of the data and validating on 10%.
    train_indices = int(0.9 * x.shape[0])
    x_train, x_val, y_train, y_val = (
        x[:train_indices],
        x[train_indices:],
        y[:train_indices],
        y[train_indices:],
    )

    EMBEDDING_SIZE = 8

    @keras.saving.register_keras_serializable(package="recsys")
    class RecommenderNet(keras.Model):
        def __init__(self, num_users, num_movies, embedding_size, **kwargs):
            super().__init__(**kwargs)
            self.num_users = num_users
            self.num_movies = num_movies
            self.embedding_size = embedding_size
            self.user_embedding = layers.Embedding(
                num_users,
                embedding_size,
                embeddings_initializer="he_normal",
                embeddings_regularizer=keras.regularizers.l2(1e-6),
            )
            self.user_bias = layers.Embedding(num_users, 1)
            self.movie_embedding = layers.Embedding(
                num_movies,
                embedding_size,
                embeddings_initializer="he_normal",
                embeddings_regularizer=keras.regularizers.l2(1e-6),
            )
            self.movie_bias = layers.Embedding(num_movies, 1)

        def call(self, inputs):
            user_vector = self.user_embedding(inputs[:, 0])
            user_bias = self.user_bias(inputs[:, 0])
            movie_vector = self.movie_embedding(inputs[:, 1])
            movie_bias = self.movie_bias(inputs[:, 1])
            dot_user_movie = ops.tensordot(user_vector, movie_vector, 2)
            # Add all the components (including bias)
            x = dot_user_movie + user_bias + movie_bias
            # The sigmoid activation forces the rating to between 0 and 1
            return ops.nn.sigmoid(x)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "num_users": self.num_users,
                    "num_movies": self.num_movies,
                    "embedding_size": self.embedding_size,
                }
            )
            return config

    model = RecommenderNet(num_users, num_movies, EMBEDDING_SIZE)
    model.compile(
        loss=keras.losses.BinaryCrossentropy(),
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
    )
    first_out = model(x_train[:4])  # builds the embeddings
    # Same starting weights under both libraries.
    wrng = np.random.default_rng(3)
    model.set_weights(
        [
            wrng.normal(scale=0.1, size=w.shape).astype("float32")
            for w in model.get_weights()
        ]
    )
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    reg_losses = [float(np.asarray(loss)) for loss in model.losses]
    initial_val_loss = model.evaluate(x_val, y_val, verbose=0)
    history = model.fit(
        x=x_train,
        y=y_train,
        batch_size=64,
        epochs=5,
        verbose=0,
        shuffle=False,
        validation_data=(x_val, y_val),
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    assert history.history["val_loss"][-1] < initial_val_loss, history.history

    # Show top 10 movie recommendations to a user.
    user_id = userencoded2user[5]
    movies_watched_by_user = movie_col[user_col == user_id]
    movies_not_watched = [m for m in movie_ids if m not in movies_watched_by_user]
    movies_not_watched = list(
        set(movies_not_watched).intersection(set(movie2movie_encoded.keys()))
    )
    movies_not_watched = [[movie2movie_encoded.get(x)] for x in movies_not_watched]
    user_encoder = user2user_encoded.get(user_id)
    user_movie_array = np.hstack(
        ([[user_encoder]] * len(movies_not_watched), movies_not_watched)
    )
    predicted = model.predict(user_movie_array, verbose=0).flatten()
    top_ratings_indices = predicted.argsort()[-10:][::-1]
    recommended_movie_ids = [
        movie_encoded2movie.get(movies_not_watched[x][0]) for x in top_ratings_indices
    ]
    assert len(recommended_movie_ids) == 10
    assert not set(recommended_movie_ids) & set(movies_watched_by_user.tolist())
    top_movies_user = [
        int(m)
        for m in movies_watched_by_user[
            np.argsort(-rating_col[user_col == user_id], kind="stable")
        ][:5]
    ]

    # Save and reload the subclassed model.
    path = workdir / "recommender.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    assert isinstance(reloaded, RecommenderNet)
    reloaded_predicted = reloaded.predict(user_movie_array, verbose=0).flatten()
    np.testing.assert_allclose(predicted, reloaded_predicted, rtol=1e-6, atol=1e-6)
    reloaded_val_loss = reloaded.evaluate(x_val, y_val, verbose=0)

    # A functional two-tower variant: cosine of the towers plus an MLP head.
    user_input = keras.Input(shape=(1,), name="user")
    movie_input = keras.Input(shape=(1,), name="movie")
    user_vec = layers.Flatten(name="user_flatten")(
        layers.Embedding(num_users, EMBEDDING_SIZE, name="user_embedding")(user_input)
    )
    movie_vec = layers.Flatten(name="movie_flatten")(
        layers.Embedding(num_movies, EMBEDDING_SIZE, name="movie_embedding")(
            movie_input
        )
    )
    cosine = layers.Dot(axes=1, normalize=True, name="cosine")([user_vec, movie_vec])
    merged = layers.Concatenate(name="concat")([user_vec, movie_vec, cosine])
    hidden = layers.Dense(16, activation="relu", name="hidden")(merged)
    rating_out = layers.Dense(1, activation="sigmoid", name="rating")(hidden)
    two_tower = keras.Model([user_input, movie_input], rating_out, name="two_tower")
    two_tower.set_weights(
        [
            wrng.normal(scale=0.3, size=w.shape).astype("float32")
            for w in two_tower.get_weights()
        ]
    )
    two_tower.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="mse",
        metrics=[keras.metrics.RootMeanSquaredError(), "mae"],
    )
    tt_lines = []
    two_tower.summary(print_fn=lambda line, *args, **kwargs: tt_lines.append(line))
    tt_history = two_tower.fit(
        {"user": x_train[:, 0], "movie": x_train[:, 1]},
        y_train,
        batch_size=64,
        epochs=4,
        shuffle=False,
        verbose=0,
        validation_data=({"user": x_val[:, 0], "movie": x_val[:, 1]}, y_val),
    )
    assert tt_history.history["loss"][-1] < tt_history.history["loss"][0]
    tt_eval = two_tower.evaluate(
        {"user": x_val[:, 0], "movie": x_val[:, 1]}, y_val, verbose=0, return_dict=True
    )
    tt_pred = two_tower.predict(
        {"user": x_val[:8, 0], "movie": x_val[:8, 1]}, verbose=0
    )

    # Item embeddings and cosine similarity between movies.
    movie_embeddings = two_tower.get_layer("movie_embedding").get_weights()[0]
    normed = movie_embeddings / np.linalg.norm(movie_embeddings, axis=1, keepdims=True)
    target = movie2movie_encoded[movie_ids[0]]
    similarities = normed @ normed[target]
    closest = np.argsort(-similarities)[1:6]
    similar_movie_ids = [movie_encoded2movie[int(i)] for i in closest]
    assert np.isclose(similarities[target], 1.0, atol=1e-5)

    # The movie tower as its own model gives the same vectors.
    movie_tower = keras.Model(movie_input, movie_vec)
    tower_out = movie_tower.predict(np.arange(num_movies)[:, None], verbose=0)
    np.testing.assert_allclose(tower_out, movie_embeddings, rtol=1e-6)
    cos_layer_out = np.asarray(
        two_tower.get_layer("cosine")([normed[:3] * 2.0, normed[3:6]])
    )
    np.testing.assert_allclose(
        cos_layer_out[:, 0], np.sum(normed[:3] * normed[3:6], axis=1), atol=1e-5
    )

    config = two_tower.get_config()
    rebuilt = keras.Model.from_config(config)
    tt_path = workdir / "two_tower.keras"
    two_tower.save(tt_path)
    tt_reloaded = keras.models.load_model(tt_path)
    tt_reloaded_pred = tt_reloaded.predict(
        {"user": x_val[:8, 0], "movie": x_val[:8, 1]}, verbose=0
    )
    np.testing.assert_allclose(tt_pred, tt_reloaded_pred, rtol=1e-6, atol=1e-6)

    return {
        "same_counts": (num_users, num_movies, len(x_train), len(x_val)),
        "same_x_train": x_train,
        "same_first_out_shape": tuple(first_out.shape),
        "same_weight_shapes": [tuple(w.shape) for w in model.get_weights()],
        "same_summary": "\n".join(lines),
        "same_n_reg_losses": len(reg_losses),
        "close_reg_losses": reg_losses,
        "close_initial_val_loss": initial_val_loss,
        "same_history_keys": sorted(history.history),
        "same_history_params": sorted(history.params.items()),
        "close_loss": history.history["loss"],
        "close_val_loss": history.history["val_loss"],
        "same_predicted_shape": predicted.shape,
        "close_predicted": predicted,
        "same_recommended": recommended_movie_ids,
        "same_top_movies_user": top_movies_user,
        "close_reloaded_val_loss": reloaded_val_loss,
        "same_reloaded_config": sorted(
            (k, v) for k, v in reloaded.get_config().items() if k != "trainable"
        ),
        "same_tt_summary": "\n".join(tt_lines),
        "same_tt_input_names": [t.name for t in two_tower.inputs],
        "same_tt_layer_names": [layer.name for layer in two_tower.layers],
        "same_tt_history_keys": sorted(tt_history.history),
        "close_tt_loss": tt_history.history["loss"],
        "close_tt_val_rmse": tt_history.history["val_root_mean_squared_error"],
        "close_tt_eval": [tt_eval[k] for k in sorted(tt_eval)],
        "same_tt_eval_keys": sorted(tt_eval),
        "close_tt_pred": tt_pred,
        "close_movie_embeddings": movie_embeddings,
        "same_similar_movies": similar_movie_ids,
        "close_cosine_layer": cos_layer_out,
        "same_rebuilt_layers": [
            (layer.name, type(layer).__name__) for layer in rebuilt.layers
        ],
        "same_reloaded_tt_layers": [layer.name for layer in tt_reloaded.layers],
        "close_tt_reloaded_pred": tt_reloaded_pred,
        "final_val_loss": history.history["val_loss"][-1],
    }
