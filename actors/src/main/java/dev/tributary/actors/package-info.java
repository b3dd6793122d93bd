/** The roles of the RL runtime as Pekko Typed actors: one package per role, protocol first in each behaviour. */
package dev.tributary.actors;
